package org.icbd.rcs.bench.dataset;

/**
 * What {@link DatasetGenerator#generate} makes: {@code files} files in a nested tree and a sparse
 * disk image of {@code diskImageBytes} apparent bytes, all derived from {@code seed}.
 *
 * @param seed           equal seeds give byte-identical datasets
 * @param files          how many files the tree holds, 0 or more
 * @param diskImageBytes the disk image's apparent size, a multiple of {@link DatasetGenerator#BLOCK_BYTES};
 *                       0 for no disk image
 */
public record DatasetSpec(long seed, int files, long diskImageBytes) {

    public DatasetSpec {
        if (files < 0) {
            throw new IllegalArgumentException("files must be 0 or more, got " + files);
        }
        if (diskImageBytes < 0 || diskImageBytes % DatasetGenerator.BLOCK_BYTES != 0) {
            throw new IllegalArgumentException("diskImageBytes must be a non-negative multiple of "
                    + DatasetGenerator.BLOCK_BYTES + ", got " + diskImageBytes);
        }
    }

    /**
     * A spec whose tree and disk image together come to about {@code totalBytes}: a quarter in
     * files (at least one), the rest in the disk image, rounded down to whole chunks.
     */
    public static DatasetSpec ofTotal(long seed, long totalBytes) {
        if (totalBytes < 4L * DatasetGenerator.CHUNK_BYTES) {
            throw new IllegalArgumentException("totalBytes must be at least " + 4L * DatasetGenerator.CHUNK_BYTES
                    + ", got " + totalBytes);
        }
        long treeBytes = totalBytes / 4;
        int files = (int) Math.max(1, Math.min(Integer.MAX_VALUE, treeBytes / DatasetGenerator.MEAN_FILE_BYTES));
        long disk = (totalBytes - treeBytes) / DatasetGenerator.CHUNK_BYTES * DatasetGenerator.CHUNK_BYTES;
        return new DatasetSpec(seed, files, disk);
    }
}
