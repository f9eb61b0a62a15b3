package org.icbd.rcs.bench.dataset;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates the content of an image's {@code work} subvolume for demos and benchmarks, and changes
 * it the way an admin task would.
 *
 * <p>Layout under the target directory: {@value #TREE} (a nested tree of files, 1 KiB–1 MiB each,
 * text-like and binary) and {@value #DISK_IMAGE} (a sparse VM disk image). Everything is derived from
 * a seed: equal seeds and equal starting states give byte-identical results.
 *
 * <p>The disk image mixes runs of holes, text, structured records and random data in proportions
 * chosen so that its written data compresses about 2:1 with LZ4 (and the whole file, holes read as
 * zeros, a little more), as a VM disk holding an installed system does. {@link #adminUpdate}
 * rewrites blocks in place through a {@link FileChannel} without truncating, so btrfs keeps sharing
 * every extent it did not touch and {@code btrfs send -p} carries only the rewritten ones.
 */
public final class DatasetGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetGenerator.class);

    public static final String TREE = "tree";
    public static final String DISK_IMAGE = "disk.img";

    /** The disk image's block, the unit {@link #adminUpdate} rewrites (a guest filesystem's block). */
    public static final int BLOCK_BYTES = 4096;
    /** The disk image's generation unit: runs of one content kind are whole chunks. */
    public static final int CHUNK_BYTES = 64 * 1024;

    static final int MIN_FILE_BYTES = 1024;
    static final int MAX_FILE_BYTES = 1024 * 1024;
    /** The mean of the log-uniform file size distribution over [1 KiB, 1 MiB]: (max − min) / ln(max / min). */
    public static final long MEAN_FILE_BYTES =
            (long) ((MAX_FILE_BYTES - MIN_FILE_BYTES) / Math.log((double) MAX_FILE_BYTES / MIN_FILE_BYTES));

    /** Written in one positional write; a run longer than this is written in several. */
    private static final int WRITE_BUFFER_BYTES = 4 << 20;
    private static final int MAX_RUN_CHUNKS = 32;
    private static final int MAX_UPDATE_RUN_BLOCKS = 64;
    /** Keeps an update's random stream apart from the generation's even when the caller reuses the seed. */
    private static final long UPDATE_SALT = 0x5DEECE66DL;

    /** Share of the disk image's runs by kind; tuned so written data compresses about 2:1 with LZ4. */
    private static final Weights DISK_KINDS = new Weights(
            new ContentKind[] {ContentKind.HOLE, ContentKind.RANDOM, ContentKind.TEXT, ContentKind.STRUCTURED},
            new double[] {0.125, 0.22, 0.39, 0.265});
    /** What an admin task writes into the disk image: the same data kinds, no holes. */
    private static final Weights UPDATE_KINDS = new Weights(
            new ContentKind[] {ContentKind.RANDOM, ContentKind.TEXT, ContentKind.STRUCTURED},
            new double[] {0.22, 0.39, 0.265});
    private static final Weights FILE_KINDS = new Weights(
            new ContentKind[] {ContentKind.TEXT, ContentKind.STRUCTURED, ContentKind.RANDOM},
            new double[] {0.5, 0.2, 0.3});

    private static final String[] TEXT_EXTENSIONS = {".txt", ".conf", ".log", ".xml"};
    private static final String[] BINARY_EXTENSIONS = {".bin", ".so", ".db", ".pak"};

    private DatasetGenerator() {
    }

    /** Generates {@code spec} into {@code dir} (created if missing; {@value #TREE} and {@value #DISK_IMAGE} must not exist). */
    public static Dataset generate(Path dir, DatasetSpec spec) {
        long started = System.nanoTime();
        try {
            Files.createDirectories(dir);
            Path tree = dir.resolve(TREE);
            Files.createDirectory(tree);
            ContentSource content = new ContentSource(spec.seed());
            SplittableRandom rng = new SplittableRandom(spec.seed());
            ByteBuffer buffer = ByteBuffer.allocate(MAX_FILE_BYTES + Long.BYTES);
            long treeBytes = 0;
            for (int i = 0; i < spec.files(); i++) {
                treeBytes += writeFile(tree.resolve(treePath(i, rng)), content, rng.split(), buffer).size();
            }
            Path disk = dir.resolve(DISK_IMAGE);
            long diskData = spec.diskImageBytes() == 0 ? 0 : writeDiskImage(disk, spec.diskImageBytes(), content,
                    new SplittableRandom(spec.seed() ^ 0x6469736bL));
            Dataset dataset = new Dataset(dir, spec.files(), treeBytes, disk, spec.diskImageBytes(), diskData);
            LOG.info("dataset generated in {}: seed {}, {} files ({} bytes), disk image {} bytes ({} written) in {} ms",
                    dir, spec.seed(), spec.files(), treeBytes, spec.diskImageBytes(), diskData,
                    (System.nanoTime() - started) / 1_000_000);
            return dataset;
        } catch (IOException e) {
            throw new UncheckedIOException("generating a dataset in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Changes the dataset in {@code dir} as an admin task would: adds, modifies (in place or by
     * appending), deletes and renames files, about {@code fraction} of them in all, and rewrites about
     * {@code fraction} of the disk image's blocks in place, in runs of up to 256 KiB.
     */
    public static AdminUpdate adminUpdate(Path dir, long seed, double fraction) {
        if (!(fraction >= 0.0 && fraction <= 1.0)) {
            throw new IllegalArgumentException("fraction must be within [0, 1], got " + fraction);
        }
        long started = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed ^ UPDATE_SALT);
        ContentSource content = new ContentSource(seed ^ UPDATE_SALT);
        try {
            Path tree = dir.resolve(TREE);
            List<String> files = listFiles(tree);
            List<String> shuffled = new ArrayList<>(files);
            for (int i = shuffled.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                shuffled.set(i, shuffled.set(j, shuffled.get(i)));
            }
            int n = files.size();
            int modify = share(n, fraction, 0.5);
            int delete = Math.min(share(n, fraction, 0.15), n - modify);
            int rename = Math.min(share(n, fraction, 0.15), n - modify - delete);
            int add = share(Math.max(n, 1), fraction, 0.3);

            ByteBuffer buffer = ByteBuffer.allocate(MAX_FILE_BYTES + Long.BYTES);
            List<String> modified = new ArrayList<>(shuffled.subList(0, modify));
            for (String file : modified) {
                modifyFile(tree.resolve(file), content, rng.split(), buffer);
            }
            List<String> deleted = new ArrayList<>(shuffled.subList(modify, modify + delete));
            for (String file : deleted) {
                Files.delete(tree.resolve(file));
            }
            Map<String, String> renamed = new TreeMap<>();
            List<String> renamedFrom = shuffled.subList(modify + delete, modify + delete + rename);
            for (int i = 0; i < renamedFrom.size(); i++) {
                String from = renamedFrom.get(i);
                String to = freeName(tree, parentOf(shuffled.get(rng.nextInt(n))),
                        String.format(Locale.ROOT, "m%x-%d-%s", seed, i, nameOf(from)));
                Files.createDirectories(tree.resolve(to).getParent());
                Files.move(tree.resolve(from), tree.resolve(to));
                renamed.put(TREE + "/" + from, TREE + "/" + to);
            }
            List<String> added = new ArrayList<>();
            for (int i = 0; i < add; i++) {
                String parent = n == 0 ? "" : parentOf(shuffled.get(rng.nextInt(n)));
                String name = freeName(tree, parent, String.format(Locale.ROOT, "a%x-%d", seed, i));
                Path file = writeFile(tree.resolve(name), content, rng.split(), buffer).file();
                added.add(TREE + "/" + tree.relativize(file).toString().replace('\\', '/'));
            }

            Path disk = dir.resolve(DISK_IMAGE);
            long blocks = 0;
            long rewritten = 0;
            if (Files.exists(disk)) {
                blocks = Files.size(disk) / BLOCK_BYTES;
                rewritten = rewriteDiskBlocks(disk, blocks, Math.round(fraction * blocks), content, rng.split());
            }
            AdminUpdate update = new AdminUpdate(sortedWithPrefix(added, ""), sortedWithPrefix(modified, TREE + "/"),
                    sortedWithPrefix(deleted, TREE + "/"), renamed, blocks, rewritten);
            LOG.info("admin update of {}: seed {}, {} added, {} modified, {} deleted, {} renamed, {} of {} disk blocks "
                            + "rewritten in {} ms", dir, seed, added.size(), modified.size(), deleted.size(),
                    renamed.size(), rewritten, blocks, (System.nanoTime() - started) / 1_000_000);
            return update;
        } catch (IOException e) {
            throw new UncheckedIOException("updating the dataset in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /** {@code fraction × weight} of {@code n}, rounded up so that any positive fraction changes something. */
    private static int share(int n, double fraction, double weight) {
        return fraction == 0.0 ? 0 : (int) Math.min(n, Math.ceil(n * fraction * weight));
    }

    /** A nested relative path, one to three directories deep; unique because the file number is in the name. */
    private static String treePath(int index, SplittableRandom rng) {
        StringBuilder path = new StringBuilder();
        int depth = 1 + rng.nextInt(3);
        int[] fanOut = {8, 12, 16};
        for (int level = 0; level < depth; level++) {
            path.append(String.format(Locale.ROOT, "d%d%02d/", level, rng.nextInt(fanOut[level])));
        }
        return path.append(String.format(Locale.ROOT, "f%06d", index)).toString();
    }

    /** Writes a new file of a log-uniform size and a random kind, named {@code path} plus an extension telling its kind. */
    private static WrittenFile writeFile(Path path, ContentSource content, SplittableRandom rng, ByteBuffer buffer)
            throws IOException {
        Files.createDirectories(path.getParent());
        int size = (int) Math.round(Math.exp(Math.log(MIN_FILE_BYTES)
                + rng.nextDouble() * Math.log((double) MAX_FILE_BYTES / MIN_FILE_BYTES)));
        ContentKind kind = FILE_KINDS.pick(rng);
        String[] extensions = kind == ContentKind.TEXT ? TEXT_EXTENSIONS : BINARY_EXTENSIONS;
        Path file = path.resolveSibling(path.getFileName() + extensions[rng.nextInt(extensions.length)]);
        buffer.clear();
        content.fill(kind, buffer, size, rng);
        buffer.flip();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
        return new WrittenFile(file, size);
    }

    private record WrittenFile(Path file, int size) {
    }

    /** Overwrites a range in place or appends; the file never shrinks, and its content always changes. */
    private static void modifyFile(Path file, ContentSource content, SplittableRandom rng, ByteBuffer buffer)
            throws IOException {
        ContentKind kind = isText(file) ? ContentKind.TEXT : ContentKind.RANDOM;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = channel.size();
            boolean append = rng.nextBoolean() || size == 0;
            int length = 256 + rng.nextInt(64 * 1024);
            long position = append ? size : rng.nextLong(size);
            if (!append) {
                length = (int) Math.min(length, size - position);
            }
            buffer.clear();
            content.fill(kind, buffer, length, rng);
            buffer.flip();
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
    }

    /** Returns the bytes written; holes are skipped, and the file gets its full apparent size first. */
    private static long writeDiskImage(Path disk, long size, ContentSource content, SplittableRandom rng)
            throws IOException {
        long written = 0;
        try (RandomAccessFile raf = new RandomAccessFile(disk.toFile(), "rw")) {
            raf.setLength(size);
            FileChannel channel = raf.getChannel();
            ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
            long bufferStart = 0;
            long offset = 0;
            while (offset < size) {
                ContentKind kind = DISK_KINDS.pick(rng);
                long runEnd = Math.min(size, offset + (long) (1 + rng.nextInt(MAX_RUN_CHUNKS)) * CHUNK_BYTES);
                if (kind == ContentKind.HOLE) {
                    written += flush(channel, buffer, bufferStart);
                    offset = runEnd;
                    bufferStart = offset;
                    continue;
                }
                while (offset < runEnd) {
                    if (!buffer.hasRemaining()) {
                        written += flush(channel, buffer, bufferStart);
                        bufferStart = offset;
                    }
                    int length = (int) Math.min(CHUNK_BYTES, runEnd - offset);
                    content.fill(kind, buffer, length, rng);
                    offset += length;
                }
            }
            written += flush(channel, buffer, bufferStart);
        }
        return written;
    }

    private static long flush(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        buffer.flip();
        long written = buffer.remaining();
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
        buffer.clear();
        return written;
    }

    /**
     * Writes runs of new content over random block-aligned ranges until at least {@code target}
     * distinct blocks were written; the file's size never changes. Returns the distinct blocks written.
     */
    private static long rewriteDiskBlocks(Path disk, long blocks, long target, ContentSource content,
                                          SplittableRandom rng) throws IOException {
        if (blocks == 0 || target == 0) {
            return 0;
        }
        BitSet touched = new BitSet((int) Math.min(Integer.MAX_VALUE, blocks));
        long count = 0;
        ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_UPDATE_RUN_BLOCKS * BLOCK_BYTES);
        try (FileChannel channel = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            while (count < target) {
                long first = rng.nextLong(blocks);
                int length = (int) Math.min(1 + rng.nextInt(MAX_UPDATE_RUN_BLOCKS), blocks - first);
                buffer.clear();
                content.fill(UPDATE_KINDS.pick(rng), buffer, length * BLOCK_BYTES, rng);
                flush(channel, buffer, first * BLOCK_BYTES);
                for (long b = first; b < first + length; b++) {
                    if (!touched.get((int) b)) {
                        touched.set((int) b);
                        count++;
                    }
                }
            }
        }
        return count;
    }

    private static List<String> listFiles(Path tree) throws IOException {
        try (Stream<Path> walk = Files.walk(tree)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> tree.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        }
    }

    /** {@code parent/name}, with a numeric suffix when that name is taken; deterministic for a given tree. */
    private static String freeName(Path tree, String parent, String name) {
        String base = parent.isEmpty() ? name : parent + "/" + name;
        String candidate = base;
        for (int i = 1; Files.exists(tree.resolve(candidate)) || existsWithAnyExtension(tree, candidate); i++) {
            candidate = base + "-" + i;
        }
        return candidate;
    }

    /** New files get their extension when written, so a name is free only if no extension variant exists. */
    private static boolean existsWithAnyExtension(Path tree, String candidate) {
        for (String[] extensions : new String[][] {TEXT_EXTENSIONS, BINARY_EXTENSIONS}) {
            for (String ext : extensions) {
                if (Files.exists(tree.resolve(candidate + ext))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String parentOf(String relative) {
        int slash = relative.lastIndexOf('/');
        return slash < 0 ? "" : relative.substring(0, slash);
    }

    private static String nameOf(String relative) {
        return relative.substring(relative.lastIndexOf('/') + 1);
    }

    private static boolean isText(Path file) {
        String name = file.getFileName().toString();
        for (String ext : TEXT_EXTENSIONS) {
            if (name.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> sortedWithPrefix(List<String> paths, String prefix) {
        return paths.stream().map(p -> prefix + p).sorted().toList();
    }

    /** A discrete distribution over content kinds. */
    private record Weights(ContentKind[] kinds, double[] cumulative) {
        Weights {
            double total = 0;
            double[] c = new double[cumulative.length];
            for (int i = 0; i < c.length; i++) {
                total += cumulative[i];
                c[i] = total;
            }
            for (int i = 0; i < c.length; i++) {
                c[i] /= total;
            }
            cumulative = c;
        }

        ContentKind pick(SplittableRandom rng) {
            double x = rng.nextDouble();
            for (int i = 0; i < kinds.length; i++) {
                if (x < cumulative[i]) {
                    return kinds[i];
                }
            }
            return kinds[kinds.length - 1];
        }
    }
}
