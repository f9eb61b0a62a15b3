package org.icbd.rcs.bench.dataset;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Fills buffers with content of a {@link ContentKind}, fast enough for GiB: random data comes eight
 * bytes per PRNG call, text is copied from a pool built once per seed, structured records cost a
 * few PRNG calls per 256 bytes. Every byte depends only on the seed and the {@link SplittableRandom}
 * the caller passes, so equal seeds give equal bytes.
 */
final class ContentSource {

    /** Larger than the largest generated file (1 MiB), so one slice never wraps more than once. */
    static final int TEXT_POOL_BYTES = 4 << 20;
    static final int RECORD_BYTES = 256;

    private static final int VOCABULARY = 768;

    private final byte[] textPool;

    ContentSource(long seed) {
        this.textPool = buildTextPool(new SplittableRandom(seed ^ 0x7465787450L));
    }

    /** Appends {@code length} bytes of {@code kind} (not {@link ContentKind#HOLE}) to {@code dst}. */
    void fill(ContentKind kind, ByteBuffer dst, int length, SplittableRandom rng) {
        switch (kind) {
            case TEXT -> fillText(dst, length, rng);
            case STRUCTURED -> fillStructured(dst, length, rng);
            case RANDOM -> fillRandom(dst, length, rng);
            case HOLE -> throw new IllegalArgumentException("a hole has no content to fill");
        }
    }

    /** A slice of the text pool at a random offset: within the slice LZ4 finds words, never whole copies. */
    private void fillText(ByteBuffer dst, int length, SplittableRandom rng) {
        int offset = rng.nextInt(textPool.length);
        int left = length;
        while (left > 0) {
            int n = Math.min(left, textPool.length - offset);
            dst.put(textPool, offset, n);
            left -= n;
            offset = 0;
        }
    }

    /**
     * 256-byte records: a counter, a few narrow random fields (owner, times, size), a short name from a
     * narrow alphabet and zero padding, like the inode tables and package databases in a disk image.
     */
    private static void fillStructured(ByteBuffer dst, int length, SplittableRandom rng) {
        ByteOrder order = dst.order();
        dst.order(ByteOrder.LITTLE_ENDIAN);
        long counter = rng.nextLong() & 0xFFFF_FFFFL;
        int mode = 0x81A4 | rng.nextInt(4) << 12;
        long epoch = 1_600_000_000L + rng.nextInt(100_000_000);
        int left = length;
        while (left >= RECORD_BYTES) {
            long r = rng.nextLong();
            long name = rng.nextLong();
            int start = dst.position();
            dst.putLong(counter++);
            dst.putInt(mode);
            dst.putInt((int) (r & 0x3F));                    // owner: a handful of ids
            for (int t = 0; t < 3; t++) {                     // times within a day of each other
                dst.putLong(epoch + ((r >>> (6 + t * 16)) & 0xFFFF));
            }
            dst.putLong((r >>> 54) << 12);                    // a size in blocks
            for (int i = 0; i < 16; i++) {                    // a sixteen-letter name
                dst.put((byte) ('a' + ((name >>> (i * 3)) & 7)));
            }
            for (int i = dst.position() - start; i < RECORD_BYTES; i += Long.BYTES) {
                dst.putLong(0L);
            }
            left -= RECORD_BYTES;
        }
        for (; left > 0; left--) {
            dst.put((byte) 0);
        }
        dst.order(order);
    }

    private static void fillRandom(ByteBuffer dst, int length, SplittableRandom rng) {
        ByteOrder order = dst.order();
        dst.order(ByteOrder.LITTLE_ENDIAN);
        int left = length;
        for (; left >= Long.BYTES; left -= Long.BYTES) {
            dst.putLong(rng.nextLong());
        }
        for (long r = rng.nextLong(); left > 0; left--, r >>>= 8) {
            dst.put((byte) r);
        }
        dst.order(order);
    }

    /** Lines of words from a seeded vocabulary, with numbers, keys and punctuation. */
    private static byte[] buildTextPool(SplittableRandom rng) {
        String[] words = new String[VOCABULARY];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + rng.nextInt(9);
            for (int j = 0; j < len; j++) {
                w.append((char) ('a' + rng.nextInt(26)));
            }
            words[i] = w.toString();
        }
        StringBuilder text = new StringBuilder(TEXT_POOL_BYTES + 256);
        while (text.length() < TEXT_POOL_BYTES) {
            int style = rng.nextInt(4);
            if (style == 0) {                                 // key = value
                text.append(words[rng.nextInt(words.length)]).append('.')
                        .append(words[rng.nextInt(words.length)]).append(" = ")
                        .append(rng.nextInt(100_000)).append('\n');
            } else if (style == 1) {                          // a log-like line
                text.append(2000 + rng.nextInt(30)).append('-').append(1 + rng.nextInt(12)).append('-')
                        .append(1 + rng.nextInt(28)).append(" [").append(words[rng.nextInt(32)]).append("] ");
                appendWords(text, words, rng, 4 + rng.nextInt(10));
                text.append('\n');
            } else {                                          // prose
                appendWords(text, words, rng, 6 + rng.nextInt(14));
                text.append(".\n");
            }
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] pool = new byte[TEXT_POOL_BYTES];
        System.arraycopy(bytes, 0, pool, 0, TEXT_POOL_BYTES);
        return pool;
    }

    /** Zipf-like: low word indices are far more frequent, as in natural text. */
    private static void appendWords(StringBuilder text, String[] words, SplittableRandom rng, int count) {
        for (int i = 0; i < count; i++) {
            int bound = 1 << (4 + rng.nextInt(7));            // 16 .. 1024
            text.append(words[rng.nextInt(Math.min(bound, words.length))]);
            text.append(i + 1 < count ? " " : "");
        }
    }
}
