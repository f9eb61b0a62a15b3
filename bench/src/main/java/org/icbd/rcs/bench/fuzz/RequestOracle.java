package org.icbd.rcs.bench.fuzz;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transfer-request grammar written down a second time, from its specification rather than
 * from {@code TransferRequest.parse}, so that the fuzzer can tell a line that should have been
 * refused from one that should have been served:
 *
 * <pre>line    = verb *(" " token)                  ; at most 256 characters, all printable ASCII or space
 * verb    = "icbd-send/1" | "icbd-stat/1"
 * token   = key "=" value                        ; each key at most once, in any order
 * key     = "image" | "version" | "parent" | "compress" | "offset" | "transport"
 * image   = [a-z0-9][a-z0-9._-]{0,63}            ; required
 * version = [1-9][0-9]*  (at most 2^31-1)       ; required
 * parent  = as version, and less than version
 * compress = "lz4" | "zstd"
 * offset  = "0" | [1-9][0-9]{0,17}               ; icbd-send/1 only
 * transport = "tcp"                             ; icbd-send/1 only</pre>
 */
final class RequestOracle {

    private static final Pattern LINE = Pattern.compile("(icbd-send/1|icbd-stat/1)((?: [^ ]+)*)");
    private static final Pattern TOKEN = Pattern.compile("(image|version|parent|compress|offset|transport)=(.*)");
    private static final Pattern OFFSET = Pattern.compile("0|[1-9][0-9]{0,17}");
    private static final Pattern IMAGE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]*");
    private static final BigInteger MAX = BigInteger.valueOf(Integer.MAX_VALUE);

    /**
     * What a valid line asks for: its verb, the step, the codec's wire code ("none" when absent), the
     * offset and the transport ("ssh" when absent).
     */
    record Expected(String verb, String image, int version, Optional<Integer> parent, String compress, long offset,
                    String transport) {

        Expected(String verb, String image, int version, Optional<Integer> parent, String compress, long offset) {
            this(verb, image, version, parent, compress, offset, "ssh");
        }
    }

    private RequestOracle() {
    }

    /** The request a valid line asks for, or empty when the line must be refused. */
    static Optional<Expected> judge(String line) {
        if (line == null || line.isEmpty() || line.length() > 256) {
            return Optional.empty();
        }
        for (char c : line.toCharArray()) {
            if (c < ' ' || c > '~') {
                return Optional.empty();
            }
        }
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        Map<String, String> values = new HashMap<>();
        String rest = m.group(2);
        if (!rest.isEmpty()) {
            for (String token : rest.substring(1).split(" ")) {
                Matcher t = TOKEN.matcher(token);
                if (!t.matches() || values.put(t.group(1), t.group(2)) != null) {
                    return Optional.empty();
                }
            }
        }
        String image = values.get("image");
        if (image == null || !IMAGE.matcher(image).matches()) {
            return Optional.empty();
        }
        Optional<Integer> version = number(values.get("version"));
        if (version.isEmpty()) {
            return Optional.empty();
        }
        Optional<Integer> parent = Optional.empty();
        if (values.containsKey("parent")) {
            parent = number(values.get("parent"));
            if (parent.isEmpty() || parent.get() >= version.get()) {
                return Optional.empty();
            }
        }
        String compress = values.getOrDefault("compress", "none");
        if (values.containsKey("compress") && !compress.equals("lz4") && !compress.equals("zstd")) {
            return Optional.empty();
        }
        long offset = 0;
        if (values.containsKey("offset")) {
            if (m.group(1).equals("icbd-stat/1") || !OFFSET.matcher(values.get("offset")).matches()) {
                return Optional.empty();
            }
            offset = Long.parseLong(values.get("offset"));
        }
        String transport = values.getOrDefault("transport", "ssh");
        if (values.containsKey("transport") && (m.group(1).equals("icbd-stat/1") || !transport.equals("tcp"))) {
            return Optional.empty();
        }
        return Optional.of(new Expected(m.group(1), image, version.get(), parent, compress, offset, transport));
    }

    private static Optional<Integer> number(String text) {
        if (text == null || !NUMBER.matcher(text).matches() || new BigInteger(text).compareTo(MAX) > 0) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(text));
    }
}
