package org.icbd.rcs.replica.pull;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The master's account of one step's stored stream, as {@code icbd-stat/1} answers it: {@code
 * length=<n> sha256=<hex>}. The replica compares its own stream file with it before promotion.
 *
 * @param length the stored (encoded) stream's bytes
 * @param sha256 their SHA-256, 64 lower-case hex digits
 */
public record StreamStat(long length, String sha256) {

    private static final Pattern LINE = Pattern.compile("length=(0|[1-9][0-9]{0,18}) sha256=([0-9a-f]{64})");

    public StreamStat {
        Objects.requireNonNull(sha256, "sha256");
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, got " + length);
        }
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got '" + sha256 + "'");
        }
    }

    /** Parses the master's answer line (surrounding white space ignored). */
    public static StreamStat parse(String line) {
        Matcher m = LINE.matcher(line == null ? "" : line.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("the master's stat answer '" + abbreviate(line)
                    + "' is not of the form 'length=<n> sha256=<hex>'");
        }
        return new StreamStat(Long.parseLong(m.group(1)), m.group(2));
    }

    @Override
    public String toString() {
        return "length=" + length + " sha256=" + sha256;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }
}
