package org.icbd.rcs.bench.dataset;

import java.nio.file.Path;

/**
 * A generated dataset.
 *
 * @param root           the directory it was generated into
 * @param files          files in the tree
 * @param treeBytes      their total size
 * @param diskImage      the sparse disk image
 * @param diskImageBytes its apparent size
 * @param diskDataBytes  the bytes written into it (the rest are holes, which btrfs send does not carry)
 */
public record Dataset(Path root, int files, long treeBytes, Path diskImage, long diskImageBytes, long diskDataBytes) {

    /** The bytes a full send carries as file data: the tree plus the disk image without its holes. */
    public long dataBytes() {
        return treeBytes + diskDataBytes;
    }
}
