package org.icbd.rcs.planner.app;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.topic.Topics;

/**
 * Builds the {@code icbd.dead-letters} record that Kafka Streams sends on behalf of an exception
 * handler (KIP-1034: a handler's {@code Response} carries dead-letter records, which Streams
 * produces in the task's own transaction). Streams' built-in dead-letter records carry the raw
 * value and headers; ours carry a {@link DeadLetter} like every other consumer's.
 */
final class DeadLetterRecord {

    /** Who gives up on the record, as dead letters name it. */
    static final String CONSUMER = "planner";

    private DeadLetterRecord() {
    }

    /**
     * The dead letter for the source record of {@code context}, or nothing when there is no
     * source record (an exception in a punctuation).
     */
    static List<ProducerRecord<byte[], byte[]>> of(ErrorHandlerContext context, Exception exception) {
        return of(context.topic(), context.partition(), context.offset(), context.sourceRawKey(),
                context.sourceRawValue(), exception)
                .map(List::of).orElse(List.of());
    }

    static Optional<ProducerRecord<byte[], byte[]>> of(String topic, int partition, long offset, byte[] key,
                                                       byte[] value, Exception exception) {
        if (topic == null || topic.isBlank()) {
            return Optional.empty();
        }
        DeadLetter letter = DeadLetter.of(topic, partition, offset, value, reason(exception), CONSUMER,
                Instant.now());
        byte[] bytes = Topics.DEAD_LETTERS.valueSerde().serializer().serialize(Topics.DEAD_LETTERS.name(), letter);
        return Optional.of(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, key, bytes));
    }

    /** The exception's message, else its type: a reason an operator can read. */
    static String reason(Exception exception) {
        String message = exception.getMessage();
        return exception.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
