package org.icbd.rcs.ops.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as operators write them: {@code 512M}, {@code 4G}, {@code 1T}, or plain bytes. Binary units. */
public final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+)([KMGT]?)(i?B)?");

    private Sizes() {
    }

    public static long parse(String text, String option) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT).replace("IB", "iB"));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a size: write e.g. 512M, 4G");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        return n << shift;
    }
}
