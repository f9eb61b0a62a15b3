package org.icbd.rcs.planner.topology;

import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.icbd.rcs.events.DeadLetter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first processor after each input topic: values arrive as raw bytes, so a record that cannot
 * be read never reaches a deserializer that could stop the stream thread. It becomes a
 * {@link DeadLetter} carrying the original bytes, topic, partition, offset and the reason, and
 * processing goes on with the next record.
 */
final class IntakeProcessor<T> implements FixedKeyProcessor<String, byte[], Intake<T>> {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeProcessor.class);

    /** Who gives up on a record, as dead letters name it. */
    static final String CONSUMER = "planner";

    private final Intake.Reader<T> reader;
    private final int maxRecordBytes;
    private FixedKeyProcessorContext<String, Intake<T>> context;

    /** @param maxRecordBytes a larger value is a dead letter without being read */
    IntakeProcessor(Intake.Reader<T> reader, int maxRecordBytes) {
        this.reader = reader;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Intake<T>> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> record) {
        Intake<T> intake;
        try {
            if (record.value() != null && record.value().length > maxRecordBytes) {
                throw new IllegalArgumentException("a value of " + record.value().length + " bytes is larger than"
                        + " icbd.planner.max-record-bytes (" + maxRecordBytes + "); not read");
            }
            intake = new Intake.Accepted<>(reader.read(record.key(), record.value()));
        } catch (SerializationException | IllegalArgumentException e) {
            RecordMetadata where = context.recordMetadata().orElseThrow(
                    () -> new IllegalStateException("an intake processor must follow a source topic"));
            String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            LOG.warn("Unusable record at {}-{}@{} (key {}) goes to the dead letters: {}", where.topic(),
                    where.partition(), where.offset(), record.key(), reason);
            intake = new Intake.Rejected<>(DeadLetter.of(where.topic(), where.partition(), where.offset(),
                    record.value(), reason, CONSUMER, Instant.ofEpochMilli(context.currentSystemTimeMs())));
        }
        context.forward(record.withValue(intake));
    }
}
