package org.icbd.rcs.events;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * A value of {@code icbd.dead-letters}, keyed by the original key: a record a consumer could not
 * use, kept whole (up to {@link #MAX_KEPT_VALUE_BYTES}) so that an operator can see what and why.
 *
 * @param value         the original value as text: UTF-8 when it decoded as such, else Base64
 * @param valueEncoding {@code utf8} or {@code base64}; empty when the original value was null, or
 *                      too large to keep (the reason then says so)
 * @param consumer      who gave up on it (e.g. {@code planner}, {@code replica lab-110-a})
 */
public record DeadLetter(
        int schemaVersion,
        String topic,
        int partition,
        long offset,
        Optional<String> value,
        Optional<String> valueEncoding,
        String reason,
        String consumer,
        Instant at) {

    public static final int SCHEMA_VERSION = 1;

    public DeadLetter {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "DeadLetter");
        Fields.nonBlank(topic, "topic");
        value = Fields.optional(value);
        valueEncoding = Fields.optional(valueEncoding);
        if (value.isPresent() != valueEncoding.isPresent()) {
            throw new IllegalArgumentException("value and valueEncoding must be both present or both absent");
        }
        valueEncoding.ifPresent(e -> {
            if (!e.equals("utf8") && !e.equals("base64")) {
                throw new IllegalArgumentException("valueEncoding must be utf8 or base64, got " + e);
            }
        });
        Fields.nonBlank(reason, "reason");
        Fields.nonBlank(consumer, "consumer");
        Fields.present(at, "at");
    }

    /**
     * The largest raw value a dead letter keeps. Written as JSON text, a value can grow sixfold
     * (every control character escaped as six characters), and a dead letter must still fit a
     * producer's default 1 MiB request: a larger value is left out and the reason says so.
     */
    public static final int MAX_KEPT_VALUE_BYTES = 128 * 1024;

    /**
     * Wraps a raw value, keeping it readable when it is text and intact when it is not; a value
     * larger than {@link #MAX_KEPT_VALUE_BYTES} is not kept, and the reason gives its size.
     */
    public static DeadLetter of(String topic, int partition, long offset, byte[] rawValue, String reason,
                                String consumer, Instant at) {
        Optional<String> value = Optional.empty();
        Optional<String> encoding = Optional.empty();
        if (rawValue != null && rawValue.length > MAX_KEPT_VALUE_BYTES) {
            reason = reason + " (the value of " + rawValue.length + " bytes is not kept: over "
                    + MAX_KEPT_VALUE_BYTES + ")";
        } else if (rawValue != null) {
            try {
                value = Optional.of(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(rawValue)).toString());
                encoding = Optional.of("utf8");
            } catch (CharacterCodingException notText) {
                value = Optional.of(Base64.getEncoder().encodeToString(rawValue));
                encoding = Optional.of("base64");
            }
        }
        return new DeadLetter(SCHEMA_VERSION, topic, partition, offset, value, encoding, reason, consumer, at);
    }

    /** The original bytes, as they were on the source topic. */
    public Optional<byte[]> rawValue() {
        return value.map(v -> valueEncoding.orElseThrow().equals("utf8")
                ? v.getBytes(StandardCharsets.UTF_8)
                : Base64.getDecoder().decode(v));
    }
}
