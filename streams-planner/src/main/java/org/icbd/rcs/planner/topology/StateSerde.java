package org.icbd.rcs.planner.topology;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.icbd.rcs.topic.EventJson;

/**
 * JSON serde of the planner's own data: its state stores (and their changelogs) and its
 * repartition topics. Only planner instances read these, so they carry no schemaVersion of their
 * own; a change to their shape that old instances cannot read needs a new application id. They
 * reuse {@link EventJson}, so the events they embed keep their wire form. Null stays null.
 */
public final class StateSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final Class<T> type;
    private final ObjectMapper mapper = EventJson.mapper();

    public StateSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            return mapper.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new SerializationException("cannot write planner " + type.getSimpleName() + " to " + topic, e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return mapper.readValue(data, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new SerializationException("cannot read planner " + type.getSimpleName() + " from " + topic
                    + ": " + e.getMessage(), e);
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
}
