package org.icbd.rcs.bench.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The dataset generator on a plain temporary directory: determinism, what an update changes, compressibility. */
class DatasetGeneratorTest {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetGeneratorTest.class);

    @TempDir
    Path tmp;

    @Test
    void equalSeedsGiveEqualBytesAndOtherSeedsDoNot() throws IOException {
        DatasetSpec spec = new DatasetSpec(42, 150, 8L << 20);
        Dataset a = DatasetGenerator.generate(tmp.resolve("a"), spec);
        Dataset b = DatasetGenerator.generate(tmp.resolve("b"), spec);
        Dataset c = DatasetGenerator.generate(tmp.resolve("c"), new DatasetSpec(43, 150, 8L << 20));

        assertEquals(150, a.files());
        assertEquals(a.treeBytes(), b.treeBytes());
        assertEquals(a.diskDataBytes(), b.diskDataBytes());
        assertEquals(8L << 20, Files.size(a.diskImage()));
        assertEquals(contents(a.root()).keySet(), contents(b.root()).keySet());
        assertSameTrees(a.root(), b.root());
        assertNotEquals(contents(a.root()).keySet(), contents(c.root()).keySet());
        assertNotEquals(-1L, Files.mismatch(a.diskImage(), c.diskImage()));

        AdminUpdate ua = DatasetGenerator.adminUpdate(a.root(), 7, 0.1);
        AdminUpdate ub = DatasetGenerator.adminUpdate(b.root(), 7, 0.1);
        assertEquals(ua, ub);
        assertSameTrees(a.root(), b.root());
    }

    @Test
    void filesAreNestedOfMixedSizesAndKinds() throws IOException {
        Dataset d = DatasetGenerator.generate(tmp, new DatasetSpec(5, 400, 0));
        Map<String, byte[]> files = contents(d.root());
        assertEquals(400, files.size());
        long sum = files.values().stream().mapToLong(f -> f.length).sum();
        assertEquals(d.treeBytes(), sum);
        assertTrue(files.values().stream().allMatch(f -> f.length >= 1024 && f.length <= 1024 * 1024));
        assertTrue(files.values().stream().anyMatch(f -> f.length < 16 * 1024));
        assertTrue(files.values().stream().anyMatch(f -> f.length > 512 * 1024));
        assertTrue(files.keySet().stream().anyMatch(p -> p.endsWith(".txt") || p.endsWith(".conf")));
        assertTrue(files.keySet().stream().anyMatch(p -> p.endsWith(".bin") || p.endsWith(".db")));
        Set<Integer> depths = new HashSet<>();
        files.keySet().forEach(p -> depths.add(p.split("/").length - 2));
        assertEquals(Set.of(1, 2, 3), depths);
        assertFalse(Files.exists(d.diskImage()), "no disk image was asked for");
    }

    @Test
    void anUpdateChangesExactlyWhatItReports() throws IOException {
        Dataset d = DatasetGenerator.generate(tmp.resolve("work"), new DatasetSpec(1, 300, 16L << 20));
        Map<String, byte[]> before = contents(d.root());
        Path diskBefore = Files.copy(d.diskImage(), tmp.resolve("disk-before.img"));

        AdminUpdate u = DatasetGenerator.adminUpdate(d.root(), 99, 0.1);
        Map<String, byte[]> after = contents(d.root());

        assertEquals(15, u.modified().size());
        assertEquals(5, u.deleted().size());
        assertEquals(5, u.renamed().size());
        assertEquals(9, u.added().size());
        for (String p : u.added()) {
            assertFalse(before.containsKey(p), p);
            assertTrue(after.containsKey(p), p);
        }
        for (String p : u.deleted()) {
            assertTrue(before.containsKey(p), p);
            assertFalse(after.containsKey(p), p);
        }
        u.renamed().forEach((from, to) -> {
            assertFalse(after.containsKey(from), from);
            assertArrayEquals(before.get(from), after.get(to), from + " -> " + to);
        });
        for (String p : u.modified()) {
            assertFalse(java.util.Arrays.equals(before.get(p), after.get(p)), p);
            assertTrue(after.get(p).length >= before.get(p).length, "never truncated: " + p);
        }
        Set<String> untouched = new HashSet<>(before.keySet());
        untouched.removeAll(u.modified());
        untouched.removeAll(u.deleted());
        untouched.removeAll(u.renamed().keySet());
        for (String p : untouched) {
            assertArrayEquals(before.get(p), after.get(p), p);
        }
        assertEquals(before.size() + u.added().size() - u.deleted().size(), after.size());

        assertEquals(Files.size(diskBefore), Files.size(d.diskImage()), "the disk image keeps its size");
        assertEquals(4096, u.diskBlocks());
        assertTrue(u.diskFractionRewritten() >= 0.1 && u.diskFractionRewritten() < 0.12, "" + u.diskFractionRewritten());
        long changed = differingBlocks(diskBefore, d.diskImage());
        assertTrue(changed <= u.diskBlocksRewritten() && changed >= 0.99 * u.diskBlocksRewritten(),
                changed + " blocks differ, " + u.diskBlocksRewritten() + " reported");
    }

    @Test
    void theDiskImageCompressesAboutTwoToOneWithLz4() throws IOException {
        Dataset d = DatasetGenerator.generate(tmp, new DatasetSpec(3, 0, 128L << 20));
        long whole = 0;
        long wholeCompressed;
        long data = 0;
        long dataCompressed;
        CountingSink wholeSink = new CountingSink();
        CountingSink dataSink = new CountingSink();
        byte[] chunk = new byte[DatasetGenerator.CHUNK_BYTES];
        try (InputStream in = Files.newInputStream(d.diskImage());
             OutputStream wholeLz4 = new LZ4FrameOutputStream(wholeSink, LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB);
             OutputStream dataLz4 = new LZ4FrameOutputStream(dataSink, LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB)) {
            for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; ) {
                wholeLz4.write(chunk, 0, n);
                whole += n;
                if (!allZero(chunk, n)) {
                    dataLz4.write(chunk, 0, n);
                    data += n;
                }
            }
        }
        wholeCompressed = wholeSink.count;
        dataCompressed = dataSink.count;
        double wholeRatio = (double) whole / wholeCompressed;
        double dataRatio = (double) data / dataCompressed;
        LOG.info("LZ4 ratio: whole file {} ({} bytes), written data {} ({} bytes, {} reported)",
                wholeRatio, whole, dataRatio, data, d.diskDataBytes());
        assertEquals(d.diskDataBytes(), data, "every written chunk has data, every hole is zeros");
        assertTrue(data > 0.8 * whole && data < 0.95 * whole, "holes are about an eighth: " + data + " of " + whole);
        assertTrue(dataRatio >= 1.6 && dataRatio <= 2.6, "written data ratio " + dataRatio);
        assertTrue(wholeRatio >= 1.6 && wholeRatio <= 2.6, "whole file ratio " + wholeRatio);
    }

    @Test
    void eachKindCompressesAsDocumented() throws IOException {
        ContentSource content = new ContentSource(11);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        Map<ContentKind, Double> ratios = new java.util.EnumMap<>(ContentKind.class);
        for (ContentKind kind : new ContentKind[] {ContentKind.TEXT, ContentKind.STRUCTURED, ContentKind.RANDOM}) {
            CountingSink sink = new CountingSink();
            ByteBuffer chunk = ByteBuffer.allocate(DatasetGenerator.CHUNK_BYTES);
            try (OutputStream lz4 = new LZ4FrameOutputStream(sink, LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB)) {
                for (int i = 0; i < 256; i++) {
                    chunk.clear();
                    content.fill(kind, chunk, chunk.capacity(), rng);
                    lz4.write(chunk.array(), 0, chunk.position());
                }
            }
            ratios.put(kind, 256.0 * DatasetGenerator.CHUNK_BYTES / sink.count);
        }
        LOG.info("LZ4 ratio by kind: {}", ratios);
        assertTrue(ratios.get(ContentKind.TEXT) >= 2.0 && ratios.get(ContentKind.TEXT) <= 3.5, ratios.toString());
        assertTrue(ratios.get(ContentKind.STRUCTURED) >= 4.0, ratios.toString());
        assertTrue(ratios.get(ContentKind.RANDOM) <= 1.01, ratios.toString());
    }

    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static long differingBlocks(Path a, Path b) throws IOException {
        long differing = 0;
        try (FileChannel ca = FileChannel.open(a, StandardOpenOption.READ);
             FileChannel cb = FileChannel.open(b, StandardOpenOption.READ)) {
            ByteBuffer ba = ByteBuffer.allocate(DatasetGenerator.BLOCK_BYTES);
            ByteBuffer bb = ByteBuffer.allocate(DatasetGenerator.BLOCK_BYTES);
            for (long pos = 0; pos < ca.size(); pos += DatasetGenerator.BLOCK_BYTES) {
                ba.clear();
                bb.clear();
                ca.read(ba, pos);
                cb.read(bb, pos);
                if (!ba.flip().equals(bb.flip())) {
                    differing++;
                }
            }
        }
        return differing;
    }

    private static void assertSameTrees(Path a, Path b) throws IOException {
        Map<String, byte[]> ca = contents(a);
        Map<String, byte[]> cb = contents(b);
        assertEquals(ca.keySet(), cb.keySet());
        ca.forEach((p, bytes) -> assertArrayEquals(bytes, cb.get(p), p));
        assertEquals(-1L, Files.mismatch(a.resolve(DatasetGenerator.DISK_IMAGE), b.resolve(DatasetGenerator.DISK_IMAGE)));
    }

    /** Every file under the tree, by path relative to the root. */
    private static Map<String, byte[]> contents(Path root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        Path tree = root.resolve(DatasetGenerator.TREE);
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
