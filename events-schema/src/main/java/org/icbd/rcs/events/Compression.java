package org.icbd.rcs.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How a send stream is encoded on the wire. Wire codes are stable; never reuse one. A new codec is
 * one more constant: the lookups and their messages follow {@link #values()}.
 */
public enum Compression {
    NONE("none"),
    /** An LZ4 frame stream (lz4-java's {@code LZ4FrameOutputStream}). */
    LZ4("lz4"),
    /** A Zstandard frame stream (zstd-jni's {@code ZstdOutputStream}); its level is the encoder's setting. */
    ZSTD("zstd");

    private final String code;

    Compression(String code) {
        this.code = code;
    }

    @JsonValue
    public String code() {
        return code;
    }

    /** The codec with wire code {@code code} (in any case) or constant name; empty if this build knows none. */
    public static Optional<Compression> find(String code) {
        for (Compression c : values()) {
            if (c.code.equalsIgnoreCase(code) || c.name().equals(code)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    @JsonCreator
    public static Compression forCode(String code) {
        return find(code).orElseThrow(() -> new IllegalArgumentException(
                "compression '" + code + "' is unknown: use " + codes()));
    }

    /** The wire codes as a reader would list them: "none, lz4 or zstd". */
    static String codes() {
        List<String> codes = Arrays.stream(values()).map(Compression::code).toList();
        String last = codes.get(codes.size() - 1);
        return codes.size() == 1 ? last : String.join(", ", codes.subList(0, codes.size() - 1)) + " or " + last;
    }

    /**
     * Reads a wire code where a codec is a preference, not an instruction: a code this build does
     * not know (a newer writer's codec) reads as null, so the optional field holding it is empty
     * and the record still reads. Anything but a string is malformed.
     */
    public static final class KnownOrAbsent extends StdDeserializer<Compression> {

        public KnownOrAbsent() {
            super(Compression.class);
        }

        @Override
        public Compression deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (Compression) ctxt.handleUnexpectedToken(Compression.class, p);
            }
            return find(p.getText()).orElse(null);
        }
    }
}
