package org.icbd.rcs.topic;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON serde for one event type. A null value (a tombstone) stays null both ways. Reading checks
 * {@code schemaVersion} before anything else, so a record from a newer writer is reported as such
 * rather than as a confusing field error.
 */
public final class JsonSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final Class<T> type;
    private final int schemaVersion;
    private final ObjectMapper mapper = EventJson.mapper();

    public JsonSerde(Class<T> type, int schemaVersion) {
        this.type = type;
        this.schemaVersion = schemaVersion;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            return mapper.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + type.getSimpleName() + " to " + topic, e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        return read(topic, data);
    }

    /** Reads one value; throws {@link EventFormatException} for anything this build cannot use. */
    public T read(String topic, byte[] data) {
        String what = type.getSimpleName() + (topic == null ? "" : " on " + topic);
        JsonNode tree;
        try {
            tree = mapper.readTree(data);
        } catch (IOException e) {
            throw new EventFormatException(EventFormatException.Kind.MALFORMED,
                    what + ": not JSON (" + firstLine(e) + ")", e);
        }
        if (tree == null || !tree.isObject()) {
            throw new EventFormatException(EventFormatException.Kind.MALFORMED,
                    what + ": expected a JSON object", null);
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || !version.isInt()) {
            throw new EventFormatException(EventFormatException.Kind.MALFORMED,
                    what + ": schemaVersion is missing or not an integer", null);
        }
        if (version.intValue() != schemaVersion) {
            throw new EventFormatException(EventFormatException.Kind.UNKNOWN_SCHEMA_VERSION,
                    what + ": schemaVersion " + version.intValue() + " is not supported (this build reads "
                            + schemaVersion + "); upgrade this consumer", null);
        }
        try {
            return mapper.treeToValue(tree, type);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new EventFormatException(EventFormatException.Kind.INVALID,
                    what + ": " + cause.getMessage(), e);
        } catch (JacksonException e) {
            throw new EventFormatException(EventFormatException.Kind.MALFORMED,
                    what + ": " + firstLine(e), e);
        }
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: the mapper is fixed by EventJson.
    }

    @Override
    public void close() {
        // Stateless.
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    public Class<T> type() {
        return type;
    }

    private static String firstLine(Exception e) {
        String m = e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
