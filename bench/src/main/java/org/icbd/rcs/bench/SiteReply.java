package org.icbd.rcs.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One line a bench site (a child JVM) writes on its stdout in answer to one command line:
 * {@code ok key=value ...} or {@code error <reason>}. Values never contain spaces.
 *
 * @param ok     whether the command succeeded
 * @param fields the key-value pairs of an {@code ok} line, in order
 * @param error  the reason of an {@code error} line; empty for {@code ok}
 */
record SiteReply(boolean ok, Map<String, String> fields, String error) {

    private static final Pattern FIELD = Pattern.compile("[a-zA-Z]+=\\S*");

    SiteReply {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    static SiteReply ok(Map<String, ?> fields) {
        Map<String, String> f = new LinkedHashMap<>();
        fields.forEach((k, v) -> f.put(k, String.valueOf(v)));
        return new SiteReply(true, f, "");
    }

    static SiteReply error(String reason) {
        return new SiteReply(false, Map.of(), reason == null ? "(no reason)" : reason);
    }

    /** The line to print; an error's reason is kept on one line. */
    String render() {
        if (!ok) {
            return "error " + error.replaceAll("\\s+", " ").strip();
        }
        StringBuilder line = new StringBuilder("ok");
        fields.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        return line.toString();
    }

    /** Reads a line written by {@link #render()}; anything else is an error reply naming the line. */
    static SiteReply parse(String line) {
        if (line.startsWith("error ")) {
            return error(line.substring(6));
        }
        if (!line.equals("ok") && !line.startsWith("ok ")) {
            return error("unexpected reply: " + line);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String token : line.substring(2).strip().split(" ")) {
            if (token.isEmpty()) {
                continue;
            }
            if (!FIELD.matcher(token).matches()) {
                return error("unexpected field '" + token + "' in reply: " + line);
            }
            int eq = token.indexOf('=');
            fields.put(token.substring(0, eq), token.substring(eq + 1));
        }
        return new SiteReply(true, fields, "");
    }

    /** This reply with one more field. */
    SiteReply with(String key, Object value) {
        Map<String, String> f = new LinkedHashMap<>(fields);
        f.put(key, String.valueOf(value));
        return new SiteReply(ok, f, error);
    }

    /** A required field as a number. */
    long number(String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalStateException("the reply lacks '" + key + "': " + render());
        }
        return Long.parseLong(value);
    }

    String text(String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalStateException("the reply lacks '" + key + "': " + render());
        }
        return value;
    }
}
