package org.icbd.rcs.planner.app;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.icbd.rcs.planner.topology.PlannerCounts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record whose key or value Streams cannot deserialize goes to {@code icbd.dead-letters} and
 * processing continues. The input topics are read as raw bytes and checked by the topology's
 * intake processors, which dead-letter bad records themselves; this handler catches the rest
 * (a repartition record written by an incompatible planner version, say).
 */
public final class DeadLetteringDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringDeserializationHandler.class);

    private PlannerCounts counts = PlannerCounts.NONE;

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                Exception exception) {
        LOG.warn("Cannot deserialize the record at {}-{}@{}; it goes to the dead letters: {}", record.topic(),
                record.partition(), record.offset(), DeadLetterRecord.reason(exception));
        List<ProducerRecord<byte[], byte[]>> letters = DeadLetterRecord.of(record.topic(), record.partition(),
                record.offset(), record.key(), record.value(), exception).map(List::of).orElse(List.of());
        letters.forEach(l -> counts.deadLettered("deserialization"));
        return Response.resume(letters);
    }

    /** Counts the dead letters when the planner put a {@link PlannerCounts} under {@link PlannerMeters#COUNTS_CONFIG}. */
    @Override
    public void configure(Map<String, ?> configs) {
        counts = PlannerMeters.counts(configs);
    }
}
