package org.icbd.rcs.transfer;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Fields;

/**
 * A command the master's SSH service runs, carried as the SSH exec command line:
 *
 * <pre>
 * icbd-send/1 image=&lt;image&gt; version=&lt;n&gt; [parent=&lt;n&gt;] [compress=lz4|zstd] [offset=&lt;bytes&gt;] [transport=tcp]
 * icbd-stat/1 image=&lt;image&gt; version=&lt;n&gt; [parent=&lt;n&gt;] [compress=lz4|zstd]
 * </pre>
 *
 * {@code icbd-send/1} streams the step's stored stream from byte {@code offset} (0 when absent);
 * with {@code transport=tcp} the stream's bytes go over a plain TCP connection ({@link Transport#TCP}), not
 * the channel; {@code icbd-stat/1} answers one line, {@code length=<n> sha256=<hex>}, of the same step's stream.
 * Tokens are separated by single spaces; keys may come in any order but each at most once;
 * numbers are decimal without sign or leading zeros (an offset may be {@code 0}). Nothing else
 * parses: the line is never handed to a shell, so the grammar is the whole attack surface.
 *
 * @param verb   what to do with the step's stream
 * @param offset    the first byte of the stored (encoded) stream to send; always 0 for {@link Verb#STAT}
 * @param transport how the stream's bytes travel; always {@link Transport#SSH} for {@link Verb#STAT}
 */
public record TransferRequest(Verb verb, String image, int version, Optional<Integer> parent, Compression compression,
                              long offset, Transport transport) {

    /** The verb of a send request; kept for callers that name it. */
    public static final String VERB = Verb.SEND.word();

    /** Longer lines are refused before any parsing. */
    public static final int MAX_LENGTH = 256;

    private static final Set<String> KEYS = Set.of("image", "version", "parent", "compress", "offset", "transport");

    /** The two verbs; the word is the first token of the line. */
    public enum Verb {
        SEND("icbd-send/1"),
        STAT("icbd-stat/1");

        private final String word;

        Verb(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public TransferRequest {
        Fields.present(verb, "verb");
        Fields.name(image, "image");
        Fields.version(version, "version");
        parent = Fields.optional(parent);
        parent.ifPresent(p -> Fields.version(p, "parent"));
        if (parent.isPresent() && parent.get() >= version) {
            throw new IllegalArgumentException("parent " + parent.get() + " must be older than version " + version);
        }
        Fields.present(compression, "compression");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, got " + offset);
        }
        if (verb == Verb.STAT && offset != 0) {
            throw new IllegalArgumentException("offset is only for " + Verb.SEND.word() + ", got " + offset);
        }
        Fields.present(transport, "transport");
        if (verb == Verb.STAT && transport != Transport.SSH) {
            throw new IllegalArgumentException("transport is only for " + Verb.SEND.word() + ", got " + transport.code());
        }
    }

    /** A request whose stream goes on the SSH channel. */
    public TransferRequest(Verb verb, String image, int version, Optional<Integer> parent, Compression compression,
                           long offset) {
        this(verb, image, version, parent, compression, offset, Transport.SSH);
    }

    /** A send of the whole stream (offset 0). */
    public TransferRequest(String image, int version, Optional<Integer> parent, Compression compression) {
        this(Verb.SEND, image, version, parent, compression, 0);
    }

    public static TransferRequest full(String image, int version, Compression compression) {
        return new TransferRequest(image, version, Optional.empty(), compression);
    }

    public static TransferRequest delta(String image, int parent, int version, Compression compression) {
        return new TransferRequest(image, version, Optional.of(parent), compression);
    }

    /** The send of the same step from byte {@code from} of its stored stream. */
    public TransferRequest withOffset(long from) {
        return new TransferRequest(Verb.SEND, image, version, parent, compression, from, transport);
    }

    /** The send of the same step with its bytes over {@code how}. */
    public TransferRequest withTransport(Transport how) {
        return new TransferRequest(Verb.SEND, image, version, parent, compression, offset, how);
    }

    /** The stat of the same step. */
    public TransferRequest stat() {
        return new TransferRequest(Verb.STAT, image, version, parent, compression, 0);
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
        Verb verb = verbOf(tokens[0]);
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
            if (!KEYS.contains(key)) {
                throw new TransferRequestException("unknown key '" + abbreviate(key)
                        + "': allowed keys are image, version, parent, compress, offset, transport");
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
            // "none" is what the absence of the key means; the wire spells only the codecs.
            compression = Compression.find(compress).filter(c -> c != Compression.NONE && c.code().equals(compress))
                    .orElseThrow(() -> new TransferRequestException("compress '" + abbreviate(compress)
                            + "' is unknown: use lz4 or zstd, or leave compress out for none"));
        }
        long offset = 0;
        String from = values.get("offset");
        if (from != null) {
            if (verb != Verb.SEND) {
                throw new TransferRequestException("offset is only for " + Verb.SEND.word() + ": "
                        + Verb.STAT.word() + " describes the whole stream");
            }
            offset = offset(from);
        }
        Transport transport = Transport.SSH;
        String how = values.get("transport");
        if (how != null) {
            if (verb != Verb.SEND) {
                throw new TransferRequestException("transport is only for " + Verb.SEND.word() + ": "
                        + Verb.STAT.word() + " answers on the channel");
            }
            // "ssh" is what the absence of the key means; the wire spells only tcp.
            if (!how.equals(Transport.TCP.code())) {
                throw new TransferRequestException("transport '" + abbreviate(how)
                        + "' is unknown: use tcp, or leave transport out for the SSH channel");
            }
            transport = Transport.TCP;
        }
        return new TransferRequest(verb, image, v, parent, compression, offset, transport);
    }

    /** The canonical line: {@code parse(print()) equals this}. */
    public String print() {
        StringBuilder b = new StringBuilder(verb.word()).append(" image=").append(image).append(" version=")
                .append(version);
        parent.ifPresent(p -> b.append(" parent=").append(p));
        if (compression != Compression.NONE) {
            b.append(" compress=").append(compression.code());
        }
        if (offset != 0) {
            b.append(" offset=").append(offset);
        }
        if (transport != Transport.SSH) {
            b.append(" transport=").append(transport.code());
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return print();
    }

    private static Verb verbOf(String word) {
        for (Verb verb : Verb.values()) {
            if (verb.word.equals(word)) {
                return verb;
            }
        }
        throw new TransferRequestException("unknown command '" + abbreviate(word) + "': this server only runs '"
                + Verb.SEND.word() + " image=<name> version=<n> [parent=<n>] [compress=lz4|zstd] [offset=<bytes>]"
                + " [transport=tcp]'"
                + " and '" + Verb.STAT.word() + " image=<name> version=<n> [parent=<n>] [compress=lz4|zstd]'");
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

    private static long offset(String text) {
        if (text.equals("0")) {
            return 0;
        }
        if (text.isEmpty() || text.charAt(0) == '0' || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new TransferRequestException("offset '" + abbreviate(text)
                    + "' is not a byte count (a decimal integer without sign or leading zeros)");
        }
        if (text.length() > 18) {
            throw new TransferRequestException("offset " + abbreviate(text) + " is too large");
        }
        return Long.parseLong(text);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
