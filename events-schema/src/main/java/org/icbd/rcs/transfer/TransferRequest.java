package org.icbd.rcs.transfer;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Fields;

/**
 * The one command the master's SSH service runs, carried as the SSH exec command line:
 *
 * <pre>icbd-send/1 image=&lt;image&gt; version=&lt;n&gt; [parent=&lt;n&gt;] [compress=lz4]</pre>
 *
 * Tokens are separated by single spaces; keys may come in any order but each at most once;
 * numbers are decimal without sign or leading zeros. Nothing else parses: the line is never
 * handed to a shell, so the grammar is the whole attack surface.
 */
public record TransferRequest(String image, int version, Optional<Integer> parent, Compression compression) {

    public static final String VERB = "icbd-send/1";

    /** Longer lines are refused before any parsing. */
    public static final int MAX_LENGTH = 256;

    public TransferRequest {
        Fields.name(image, "image");
        Fields.version(version, "version");
        parent = Fields.optional(parent);
        parent.ifPresent(p -> Fields.version(p, "parent"));
        if (parent.isPresent() && parent.get() >= version) {
            throw new IllegalArgumentException("parent " + parent.get() + " must be older than version " + version);
        }
        Fields.present(compression, "compression");
    }

    public static TransferRequest full(String image, int version, Compression compression) {
        return new TransferRequest(image, version, Optional.empty(), compression);
    }

    public static TransferRequest delta(String image, int parent, int version, Compression compression) {
        return new TransferRequest(image, version, Optional.of(parent), compression);
    }

    /** Parses one request line, or throws {@link TransferRequestException} saying what was wrong. */
    public static TransferRequest parse(String line) {
        if (line == null || line.isEmpty()) {
            throw new TransferRequestException("empty request: expected '" + VERB + " image=<name> version=<n>'");
        }
        if (line.length() > MAX_LENGTH) {
            throw new TransferRequestException("request is " + line.length() + " characters long, the limit is "
                    + MAX_LENGTH);
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x21 && c != ' ' || c > 0x7e) {
                throw new TransferRequestException("request contains a control or non-ASCII character at position "
                        + i + ": only printable ASCII is allowed");
            }
        }
        String[] tokens = line.split(" ", -1);
        if (!tokens[0].equals(VERB)) {
            throw new TransferRequestException("unknown command '" + abbreviate(tokens[0])
                    + "': this server only runs '" + VERB + " image=<name> version=<n> [parent=<n>] [compress=lz4]'");
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 1; i < tokens.length; i++) {
            String token = tokens[i];
            if (token.isEmpty()) {
                throw new TransferRequestException("tokens must be separated by exactly one space");
            }
            int eq = token.indexOf('=');
            if (eq <= 0) {
                throw new TransferRequestException("'" + abbreviate(token) + "' is not of the form key=value");
            }
            String key = token.substring(0, eq);
            String value = token.substring(eq + 1);
            if (!key.equals("image") && !key.equals("version") && !key.equals("parent") && !key.equals("compress")) {
                throw new TransferRequestException("unknown key '" + abbreviate(key)
                        + "': allowed keys are image, version, parent, compress");
            }
            if (values.put(key, value) != null) {
                throw new TransferRequestException("key '" + key + "' is given twice");
            }
        }
        String image = values.get("image");
        if (image == null) {
            throw new TransferRequestException("image=<name> is missing");
        }
        if (!Fields.NAME.matcher(image).matches()) {
            throw new TransferRequestException("image '" + abbreviate(image)
                    + "' is not a valid image name ([a-z0-9][a-z0-9._-]{0,63})");
        }
        String version = values.get("version");
        if (version == null) {
            throw new TransferRequestException("version=<n> is missing");
        }
        int v = number(version, "version");
        Optional<Integer> parent = Optional.ofNullable(values.get("parent")).map(p -> number(p, "parent"));
        if (parent.isPresent() && parent.get() >= v) {
            throw new TransferRequestException("parent " + parent.get() + " is not older than version " + v);
        }
        Compression compression = Compression.NONE;
        String compress = values.get("compress");
        if (compress != null) {
            if (!compress.equals("lz4")) {
                throw new TransferRequestException("compress '" + abbreviate(compress) + "' is unknown: only lz4");
            }
            compression = Compression.LZ4;
        }
        return new TransferRequest(image, v, parent, compression);
    }

    /** The canonical line: {@code parse(print()) equals this}. */
    public String print() {
        StringBuilder b = new StringBuilder(VERB).append(" image=").append(image).append(" version=").append(version);
        parent.ifPresent(p -> b.append(" parent=").append(p));
        if (compression == Compression.LZ4) {
            b.append(" compress=lz4");
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return print();
    }

    private static int number(String text, String key) {
        if (text.isEmpty() || text.charAt(0) == '0' || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new TransferRequestException(key + " '" + abbreviate(text)
                    + "' is not a positive decimal integer without leading zeros");
        }
        if (text.length() > 10 || Long.parseLong(text) > Integer.MAX_VALUE) {
            throw new TransferRequestException(key + " " + text + " is too large");
        }
        return Integer.parseInt(text);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
