package org.icbd.rcs.bench.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Transfer-request lines for the fuzzer: valid ones (for the images and versions it is told
 * exist, and others), and mutations of them, token by token (the grammar-aware half) and byte by
 * byte (the blind half), plus lines of random text.
 */
final class RequestLines {

    /**
     * Every key of the grammar. A valid line never asks for {@code transport=tcp}: the master would hold
     * it for its TCP connection; mutations reach the key with odd values and on {@code icbd-stat/1}.
     */
    private static final String[] KEYS = {"image", "version", "parent", "compress", "offset", "transport"};
    private static final String[] ODD_VALUES = {"", "0", "01", "-1", "+1", "1.0", "1e3", "0x10", "2147483647",
            "2147483648", "4294967297", "99999999999999999999", "..", ".", "../etc", "/etc/passwd", "a/b", "A",
            "Ubuntu", "lz4", "LZ4", "zstd", "none", "gzip", "a".repeat(64), "a".repeat(65), "a b", "a\tb", "\u00e9",
            "$(id)", "`id`", "ssh", "TCP", ";id", "|id", "&&", "%00", "\u0000", "\n", "image=x", "=", "==", "-", "_", "x-",
            "\u202e", "\ud83d\ude00"};
    private static final String[] ODD_VERBS = {"", "icbd-send/2", "ICBD-SEND/1", "icbd-send", "icbd-send/1/",
            "icbd-stat/2", "sh", "scp", "btrfs", "icbd-send/1\u0000", " icbd-send/1", "icbd-send/01"};

    private final List<String> images;
    private final RandomGenerator random;

    RequestLines(List<String> images, RandomGenerator random) {
        this.images = List.copyOf(images);
        this.random = random;
    }

    /** A valid line: mostly for the known images and small versions, in random key order. */
    String valid() {
        String image = random.nextInt(4) == 0 ? randomName() : images.get(random.nextInt(images.size()));
        int version = 1 + random.nextInt(random.nextInt(8) == 0 ? Integer.MAX_VALUE - 1 : 4);
        List<String> tokens = new ArrayList<>(List.of("image=" + image, "version=" + version));
        if (version > 1 && random.nextBoolean()) {
            tokens.add("parent=" + (1 + random.nextInt(version - 1)));
        }
        if (random.nextBoolean()) {
            tokens.add(random.nextBoolean() ? "compress=lz4" : "compress=zstd");
        }
        boolean stat = random.nextInt(4) == 0;
        if (!stat && random.nextInt(3) == 0) {
            tokens.add("offset=" + (random.nextBoolean() ? 0 : 1 + random.nextInt(Integer.MAX_VALUE - 1)));
        }
        shuffle(tokens);
        return (stat ? "icbd-stat/1 " : "icbd-send/1 ") + String.join(" ", tokens);
    }

    /** One input: a valid line, a token-level mutation, a byte-level mutation or random text. */
    String next() {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return valid();
        }
        if (kind <= 5) {
            return mutateTokens(valid());
        }
        if (kind <= 8) {
            return new String(Bytes.mutate(valid().getBytes(StandardCharsets.UTF_8), random), StandardCharsets.UTF_8);
        }
        return random.nextBoolean() ? new String(Bytes.random(random, 300), StandardCharsets.ISO_8859_1)
                : randomPrintable(random.nextInt(300));
    }

    private String mutateTokens(String line) {
        List<String> tokens = new ArrayList<>(List.of(line.split(" ")));
        int body = tokens.size() - 1;
        int at = 1 + random.nextInt(body);
        switch (random.nextInt(12)) {
            case 0 -> tokens.remove(at);
            case 1 -> tokens.add(1 + random.nextInt(body), tokens.get(at));
            case 2 -> tokens.set(at, KEYS[random.nextInt(KEYS.length)] + tokens.get(at).substring(tokens.get(at).indexOf('=')));
            case 3 -> tokens.set(at, tokens.get(at).substring(0, tokens.get(at).indexOf('=') + 1)
                    + ODD_VALUES[random.nextInt(ODD_VALUES.length)]);
            case 4 -> tokens.add(1 + random.nextInt(body), randomName() + "=" + randomName());
            case 5 -> tokens.set(0, ODD_VERBS[random.nextInt(ODD_VERBS.length)]);
            case 6 -> tokens.set(at, tokens.get(at).replace("=", random.nextBoolean() ? "" : "=="));
            case 7 -> tokens.add(KEYS[random.nextInt(KEYS.length)] + "=" + ODD_VALUES[random.nextInt(ODD_VALUES.length)]);
            case 8 -> {
                String joined = String.join(" ", tokens);
                return switch (random.nextInt(4)) {
                    case 0 -> joined + " ";
                    case 1 -> " " + joined;
                    case 2 -> joined.replaceFirst(" ", "  ");
                    default -> joined + " image=" + "a".repeat(256);
                };
            }
            case 9 -> tokens.set(at, tokens.get(at).toUpperCase(java.util.Locale.ROOT));
            case 10 -> {
                String t = tokens.get(at);
                int eq = t.indexOf('=');
                tokens.set(at, t.substring(0, eq + 1) + "0" + t.substring(eq + 1));
            }
            default -> shuffle(tokens.subList(1, tokens.size()));
        }
        return String.join(" ", tokens);
    }

    private String randomName() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789._-";
        StringBuilder b = new StringBuilder();
        b.append(alphabet.charAt(random.nextInt(36)));
        int len = random.nextInt(12);
        for (int i = 0; i < len; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private String randomPrintable(int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append((char) (' ' + random.nextInt(95)));
        }
        return b.toString();
    }

    private <T> void shuffle(List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            list.set(j, list.set(i, list.get(j)));
        }
    }
}
