package org.icbd.rcs.bench.dataset;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link DatasetGenerator#adminUpdate} changed. Paths are relative to the dataset's root,
 * with {@code /} separators, sorted.
 *
 * @param added              new files
 * @param modified           files overwritten in place or appended to (never truncated)
 * @param deleted            files removed
 * @param renamed            old path to new path, content unchanged
 * @param diskBlocks         the disk image's {@link DatasetGenerator#BLOCK_BYTES} blocks
 * @param diskBlocksRewritten distinct blocks written in place
 */
public record AdminUpdate(List<String> added, List<String> modified, List<String> deleted,
                          Map<String, String> renamed, long diskBlocks, long diskBlocksRewritten) {

    public AdminUpdate {
        added = List.copyOf(added);
        modified = List.copyOf(modified);
        deleted = List.copyOf(deleted);
        renamed = Collections.unmodifiableMap(new TreeMap<>(renamed));
    }

    public double diskFractionRewritten() {
        return diskBlocks == 0 ? 0.0 : (double) diskBlocksRewritten / diskBlocks;
    }
}
