package org.icbd.rcs.master.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.events.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's rules on plain files, with made-up send streams: produced once and shared, offsets,
 * eviction, damage on disk, failed productions, and what a restart keeps.
 */
class StreamStoreTest {

    @TempDir
    Path dir;

    private final AtomicInteger sends = new AtomicInteger();

    private static final StreamKey FULL = new StreamKey("u", 1, Optional.empty(), Compression.NONE);
    private static final StreamKey DELTA = new StreamKey("u", 2, Optional.of(1), Compression.NONE);

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private StreamStore.Send send(byte[] content) {
        return () -> {
            sends.incrementAndGet();
            return new ByteArrayInputStream(content);
        };
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    /** Readers end before the file is durable under its name: wait for its sidecar. */
    private void awaitStored(String name) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("u/" + name + ".meta")));
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aStepIsProducedOnceAndEveryReaderGetsTheSameBytes() throws Exception {
        byte[] content = bytes(3_000_000, 1);
        try (StreamStore store = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults())) {
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(content, readAll(store.open(FULL, 0, send(content))));
            }
            assertEquals(new StreamStore.Stat(content.length, sha(content)), store.stat(FULL, send(content)));
            assertEquals(1, sends.get());
            awaitStored("1");
            StreamInfo info = store.list().get(0);
            assertEquals(3, info.served());
            assertEquals(1, info.sends());
            assertTrue(info.complete());
            assertEquals(content.length, info.bytes());
            assertEquals("length=" + content.length + " sha256=" + sha(content) + "\n",
                    Files.readString(dir.resolve("u/1.meta")));
        }
    }

    @Test
    void readersFollowAProductionStillRunning() throws Exception {
        byte[] content = bytes(5_000_000, 2);
        CountDownLatch release = new CountDownLatch(1);
        StreamStore.Send slow = () -> new InputStream() {
            private final InputStream in = new ByteArrayInputStream(content);
            private int read;

            @Override
            public int read() throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= 1_000_000) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                int n = in.read(b, off, Math.min(len, 100_000));
                read += Math.max(0, n);
                return n;
            }
        };
        try (StreamStore store = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults())) {
            InputStream first = store.open(FULL, 0, slow);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> store.list().get(0).bytes() >= 1_000_000);
            assertFalse(store.list().get(0).complete());
            assertTrue(Files.exists(dir.resolve("u/1.part")));
            InputStream resumed = store.open(FULL, 500_000, slow);
            release.countDown();
            assertArrayEquals(content, readAll(first));
            byte[] tail = readAll(resumed);
            assertArrayEquals(java.util.Arrays.copyOfRange(content, 500_000, content.length), tail);
            awaitStored("1");
            assertTrue(Files.exists(dir.resolve("u/1")) && !Files.exists(dir.resolve("u/1.part")));
        }
    }

    @Test
    void offsetsPastTheEndOrIntoAStreamNotStoredAreRefused() throws Exception {
        byte[] content = bytes(100_000, 3);
        try (StreamStore store = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults())) {
            StreamRefusedException notStored = assertThrows(StreamRefusedException.class,
                    () -> store.open(FULL, 10, send(content)));
            assertEquals(StreamRefusedException.Reason.NOT_STORED, notStored.reason());
            assertTrue(notStored.getMessage().contains("no longer stored"), notStored.getMessage());
            assertEquals(0, sends.get(), "a refused offset produces nothing");
            readAll(store.open(FULL, 0, send(content)));
            assertEquals(0, readAll(store.open(FULL, content.length, send(content))).length);
            StreamRefusedException past = assertThrows(StreamRefusedException.class,
                    () -> store.open(FULL, content.length + 1, send(content)));
            assertEquals(StreamRefusedException.Reason.PAST_END, past.reason());
            assertTrue(past.getMessage().contains("past the end"), past.getMessage());
            assertEquals(2, store.list().get(0).served(), "refused requests are not served");
        }
    }

    @Test
    void theLeastRecentlyServedStreamIsEvictedToKeepTheBudget() throws Exception {
        byte[] a = bytes(400_000, 4);
        byte[] b = bytes(400_000, 5);
        StreamKey third = new StreamKey("u", 3, Optional.of(2), Compression.NONE);
        try (StreamStore store = new StreamStore(dir, 1_000_000, StreamCodec.defaults())) {
            readAll(store.open(FULL, 0, send(a)));
            awaitStored("1");
            readAll(store.open(DELTA, 0, send(b)));
            awaitStored("1-2");
            readAll(store.open(FULL, 0, send(a)));
            readAll(store.open(third, 0, send(b)));
            // DELTA was served least recently: it made room for the third.
            assertEquals(List.of(1, 3), store.list().stream().map(StreamInfo::version).toList());
            assertFalse(Files.exists(dir.resolve("u/1-2")));
            assertFalse(Files.exists(dir.resolve("u/1-2.meta")));
            assertThrows(StreamRefusedException.class, () -> store.open(DELTA, 5, send(b)));
            assertArrayEquals(b, readAll(store.open(DELTA, 0, send(b))));
        }
    }

    @Test
    void aStreamDamagedOnDiskIsDetectedFromOffsetZeroDroppedAndProducedAgain() throws Exception {
        byte[] content = bytes(2_000_000, 6);
        try (StreamStore store = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults())) {
            readAll(store.open(FULL, 0, send(content)));
            awaitStored("1");
            Path file = dir.resolve("u/1");
            byte[] damaged = Files.readAllBytes(file);
            damaged[1_234_567] ^= 0x01;
            Files.write(file, damaged);
            CorruptStreamException e = assertThrows(CorruptStreamException.class,
                    () -> readAll(store.open(FULL, 0, send(content))));
            assertTrue(e.getMessage().contains("damaged on the master's disk"), e.getMessage());
            assertTrue(store.list().isEmpty());
            assertFalse(Files.exists(file));
            assertArrayEquals(content, readAll(store.open(FULL, 0, send(content))));
            assertEquals(2, sends.get());
        }
    }

    @Test
    void aFailedProductionFailsItsReadersAndLeavesNothing() throws Exception {
        StreamStore.Send failing = () -> new InputStream() {
            private int calls;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (calls++ > 3) {
                    throw new IOException("btrfs send broke");
                }
                return len;
            }
        };
        try (StreamStore store = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults())) {
            StreamProductionException e = assertThrows(StreamProductionException.class,
                    () -> readAll(store.open(FULL, 0, failing)));
            assertTrue(e.getMessage().contains("btrfs send broke"), e.getMessage());
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> store.list().isEmpty());
            try (var files = Files.list(dir.resolve("u"))) {
                assertEquals(List.of(), files.toList());
            }
        }
    }

    @Test
    void atStartIncompleteStreamsAreDeletedAndCompleteOnesKept() throws Exception {
        byte[] content = bytes(300_000, 7);
        CountDownLatch never = new CountDownLatch(1);
        StreamStore.Send stuck = () -> new InputStream() {
            private boolean gave;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (gave) {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    return -1;
                }
                gave = true;
                return len;
            }
        };
        StreamStore crashed = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults());
        try {
            readAll(crashed.open(FULL, 0, send(content)));
            awaitStored("1");
            crashed.open(DELTA, 0, stuck);
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> Files.exists(dir.resolve("u/1-2.part")) && Files.size(dir.resolve("u/1-2.part")) > 0);
            // What a master killed at other moments leaves: a data file without its sidecar, a half-written sidecar.
            Files.write(dir.resolve("u/3"), content);
            Files.writeString(dir.resolve("u/4.lz4"), "x");
            Files.writeString(dir.resolve("u/4.lz4.meta.tmp"), "length=");

            // The next start of the master, while the old process's production is still stuck.
            try (StreamStore restarted = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults())) {
                try (var files = Files.list(dir.resolve("u"))) {
                    assertEquals(List.of("1", "1.meta"), files.map(p -> p.getFileName().toString()).sorted().toList());
                }
                assertEquals(List.of(1), restarted.list().stream().map(StreamInfo::version).toList());
                assertTrue(restarted.list().get(0).complete());
                assertThrows(StreamRefusedException.class, () -> restarted.open(DELTA, 10, send(content)));
                assertArrayEquals(content, readAll(restarted.open(FULL, 0, send(content))));
                assertEquals(1, sends.get(), "the complete stream is served from disk");
            }
        } finally {
            never.countDown();
            crashed.close();
        }
    }

    @Test
    void aStreamWhoseFilesRetirementDeletedIsForgotten() throws Exception {
        byte[] content = bytes(100_000, 8);
        try (StreamStore store = new StreamStore(dir, Long.MAX_VALUE, StreamCodec.defaults())) {
            readAll(store.open(DELTA, 0, send(content)));
            awaitStored("1-2");
            // What ImageRepository.deleteStoredStreams does when version 1 or 2 is retired, maybe from another process.
            Files.delete(dir.resolve("u/1-2"));
            Files.delete(dir.resolve("u/1-2.meta"));
            assertTrue(store.list().isEmpty());
            StreamRefusedException e = assertThrows(StreamRefusedException.class, () -> store.open(DELTA, 7, send(content)));
            assertEquals(StreamRefusedException.Reason.NOT_STORED, e.reason());
            readAll(store.open(DELTA, 0, send(content)));
            awaitStored("1-2");
            assertEquals(1, store.removeVersion("u", 1));
            assertTrue(store.list().isEmpty() && !Files.exists(dir.resolve("u/1-2")));
        }
    }

    @Test
    void streamNamesRoundTripAndAreWhatRetirementDeletes() {
        for (StreamKey key : List.of(FULL, DELTA, new StreamKey("u", 12, Optional.of(3), Compression.LZ4),
                new StreamKey("u", 7, Optional.empty(), Compression.ZSTD))) {
            assertEquals(Optional.of(key), StreamKey.parse("u", key.fileName()), key.fileName());
        }
        assertEquals("3-12.lz4", new StreamKey("u", 12, Optional.of(3), Compression.LZ4).fileName());
        assertEquals("7.zst", new StreamKey("u", 7, Optional.empty(), Compression.ZSTD).fileName());
        for (String name : List.of("1.part", "1.meta", "x", "2-1", "01", "1-2-3", "1.gz")) {
            assertEquals(Optional.empty(), StreamKey.parse("u", name), name);
        }
    }

    @Test
    void everyCodecIsStoredEncodedAndDecodesToTheRawStream() throws Exception {
        byte[] content = new byte[2_000_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i / 1000);
        }
        try (StreamStore store = new StreamStore(dir, Long.MAX_VALUE, new StreamCodec(5))) {
            for (Compression c : Compression.values()) {
                StreamKey key = new StreamKey("u", 1, Optional.empty(), c);
                byte[] stored = readAll(store.open(key, 0, send(content)));
                assertArrayEquals(content, readAll(StreamCodec.decoder(c, new ByteArrayInputStream(stored))), c.code());
                if (c != Compression.NONE) {
                    assertTrue(stored.length < content.length / 10, c.code() + " compresses");
                }
            }
        }
    }
}
