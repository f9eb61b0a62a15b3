package org.icbd.rcs.bench.fuzz;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** Byte-by-byte mutations, the blind half of the fuzzer: each changes a valid input a little. */
final class Bytes {

    private Bytes() {
    }

    /** One random mutation: a flipped bit, a replaced, inserted or deleted byte, a duplicated or cut run. */
    static byte[] mutate(byte[] in, RandomGenerator random) {
        if (in.length == 0) {
            return new byte[] {(byte) random.nextInt(256)};
        }
        int at = random.nextInt(in.length);
        return switch (random.nextInt(7)) {
            case 0 -> {
                byte[] out = in.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
                yield out;
            }
            case 1 -> {
                byte[] out = in.clone();
                out[at] = (byte) random.nextInt(256);
                yield out;
            }
            case 2 -> {
                byte[] out = new byte[in.length + 1];
                System.arraycopy(in, 0, out, 0, at);
                out[at] = (byte) random.nextInt(256);
                System.arraycopy(in, at, out, at + 1, in.length - at);
                yield out;
            }
            case 3 -> {
                byte[] out = new byte[in.length - 1];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + 1, out, at, in.length - at - 1);
                yield out;
            }
            case 4 -> {
                int len = 1 + random.nextInt(Math.min(16, in.length - at));
                byte[] out = new byte[in.length + len];
                System.arraycopy(in, 0, out, 0, at + len);
                System.arraycopy(in, at, out, at + len, in.length - at);
                yield out;
            }
            case 5 -> Arrays.copyOf(in, at);
            default -> {
                byte[] out = in.clone();
                if (at + 1 < out.length) {
                    byte b = out[at];
                    out[at] = out[at + 1];
                    out[at + 1] = b;
                } else {
                    out[at] = (byte) '"';
                }
                yield out;
            }
        };
    }

    /** Bytes of any value, of a random length up to {@code max}. */
    static byte[] random(RandomGenerator random, int max) {
        byte[] out = new byte[random.nextInt(max + 1)];
        random.nextBytes(out);
        return out;
    }
}
