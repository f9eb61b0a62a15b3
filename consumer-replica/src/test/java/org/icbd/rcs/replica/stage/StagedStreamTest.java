package org.icbd.rcs.replica.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class StagedStreamTest {

    @TempDir
    Path tmp;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aFollowerReadsWhatIsAppendedWhileItGrowsAndEndsOnlyWhenComplete() throws Exception {
        byte[] data = random(300_000, 1);
        try (StagedStream s = StagedStream.open(tmp.resolve("1.none.stream"))) {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = s.follow()) {
                    return in.readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            for (int off = 0; off < data.length; off += 7000) {
                s.append(data, off, Math.min(7000, data.length - off));
            }
            assertTrue(!read.isDone(), "no end of stream before the download completes");
            s.complete();
            assertArrayEquals(data, read.get(10, TimeUnit.SECONDS));
            assertEquals(sha256(data), s.sha256());
            assertEquals(data.length, s.length());
        }
    }

    @Test
    void aFollowerFailsWhenTheDownloadFailsNeverReadingAShortStreamAsWhole() throws Exception {
        byte[] data = random(50_000, 2);
        try (StagedStream s = StagedStream.open(tmp.resolve("1.none.stream"))) {
            s.append(data, 0, data.length);
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = s.follow()) {
                    in.readAllBytes();
                    return 0;
                } catch (IOException e) {
                    return 1;
                }
            });
            s.fail(new IOException("connection reset"));
            assertEquals(1, read.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void reopeningKeepsAndHashesTheBytesHeldAndAppendsAfterThem() throws Exception {
        byte[] data = random(1_500_000, 3);
        Path file = tmp.resolve("2-from-1.lz4.stream");
        int cut = 1_234_567;
        try (StagedStream s = StagedStream.open(file)) {
            s.append(data, 0, cut);
            s.fail(new IOException("cut"));
        }
        try (StagedStream s = StagedStream.open(file)) {
            assertEquals(cut, s.resumedAt());
            assertEquals(cut, s.length());
            s.append(data, cut, data.length - cut);
            s.complete();
            assertEquals(sha256(data), s.sha256());
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try (InputStream in = s.follow()) {
                in.transferTo(all);
            }
            assertArrayEquals(data, all.toByteArray());
        }
        assertArrayEquals(data, Files.readAllBytes(file));
    }

    @Test
    void deleteRemovesTheFile() throws Exception {
        Path file = tmp.resolve("3.zstd.stream");
        StagedStream s = StagedStream.open(file);
        s.append(new byte[10], 0, 10);
        s.delete();
        assertTrue(Files.notExists(file));
    }

    @Test
    void theDigestOfNothingIsTheEmptyDigest() throws Exception {
        try (StagedStream s = StagedStream.open(tmp.resolve("4.none.stream"))) {
            assertEquals(sha256(new byte[0]), s.sha256());
            s.complete();
            try (InputStream in = s.follow()) {
                assertEquals(-1, in.read());
            }
        }
        assertThrows(NullPointerException.class, () -> StagedStream.open(null));
    }
}
