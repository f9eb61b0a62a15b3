package org.icbd.rcs.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.icbd.rcs.events.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StreamCodecTest {

    @Property(tries = 60)
    void decodingAnEncodingGivesTheBytesBack(@ForAll Compression compression, @ForAll @Size(max = 200_000) byte[] bytes,
                                              @ForAll @IntRange(min = 1, max = 19) int level) throws IOException {
        byte[] encoded = encode(new StreamCodec(level), compression, bytes);
        assertArrayEquals(bytes, decode(compression, encoded));
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"LZ4", "ZSTD"})
    void aCutStreamFailsToDecodeInsteadOfEndingShort(Compression compression) throws IOException {
        byte[] bytes = compressible(3_000_000);
        byte[] encoded = encode(StreamCodec.defaults(), compression, bytes);
        assertTrue(encoded.length < bytes.length, "compressible input shrinks");
        byte[] cut = Arrays.copyOf(encoded, encoded.length - 7);
        assertThrows(IOException.class, () -> decode(compression, cut));
    }

    @Test
    void zstdDetectsAFlippedByte() throws IOException {
        byte[] bytes = compressible(1_000_000);
        byte[] encoded = encode(StreamCodec.defaults(), Compression.ZSTD, bytes);
        encoded[encoded.length / 2] ^= 0x40;
        assertThrows(IOException.class, () -> decode(Compression.ZSTD, encoded));
    }

    @Test
    void noneIsTheStreamItself() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(StreamCodec.defaults().encoder(Compression.NONE, out) == out);
        InputStream in = new ByteArrayInputStream(new byte[0]);
        assertTrue(StreamCodec.decoder(Compression.NONE, in) == in);
    }

    @Test
    void zstdLevelsOutsideTheRangeAreRefusedNamingTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamCodec(0));
        assertEquals("zstd level 0 is out of range 1-19", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StreamCodec(20));
    }

    private static byte[] compressible(int n) {
        Random random = new Random(7);
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (i % 4096 < 2048 ? random.nextInt(4) : i);
        }
        return bytes;
    }

    private static byte[] encode(StreamCodec codec, Compression compression, byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream encoder = codec.encoder(compression, out)) {
            // Odd write sizes, as a send stream arrives.
            for (int off = 0; off < bytes.length; off += 70_001) {
                encoder.write(bytes, off, Math.min(70_001, bytes.length - off));
            }
        }
        return out.toByteArray();
    }

    private static byte[] decode(Compression compression, byte[] encoded) throws IOException {
        try (InputStream in = StreamCodec.decoder(compression, new ByteArrayInputStream(encoded))) {
            return in.readAllBytes();
        }
    }
}
