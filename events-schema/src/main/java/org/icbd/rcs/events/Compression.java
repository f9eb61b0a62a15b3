package org.icbd.rcs.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How a send stream is encoded on the wire. Wire codes are stable; never reuse one. */
public enum Compression {
    NONE("none"),
    /** An LZ4 frame stream (lz4-java's {@code LZ4FrameOutputStream}). */
    LZ4("lz4");

    private final String code;

    Compression(String code) {
        this.code = code;
    }

    @JsonValue
    public String code() {
        return code;
    }

    @JsonCreator
    public static Compression forCode(String code) {
        for (Compression c : values()) {
            if (c.code.equalsIgnoreCase(code) || c.name().equals(code)) {
                return c;
            }
        }
        throw new IllegalArgumentException("compression '" + code + "' is unknown: use none or lz4");
    }
}
