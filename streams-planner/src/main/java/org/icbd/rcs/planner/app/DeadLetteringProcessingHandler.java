package org.icbd.rcs.planner.app;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.icbd.rcs.planner.topology.PlannerCounts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exception thrown while processing a record (a planner bug, or a record the planner did not
 * foresee) sends that record's source to {@code icbd.dead-letters}, and processing continues
 * with the next record: one bad record must not stop planning for every image. The planner
 * decides before it writes, so a failure leaves at most the rest of that record's effects
 * unapplied, and the next input for the image re-evaluates its pairs from the stores.
 */
public final class DeadLetteringProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringProcessingHandler.class);

    private PlannerCounts counts = PlannerCounts.NONE;

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        LOG.error("Processing failed in {} for the record from {}-{}@{} (key {}); it goes to the dead letters",
                context.processorNodeId(), context.topic(), context.partition(), context.offset(),
                record == null ? null : record.key(), exception);
        List<ProducerRecord<byte[], byte[]>> letters = DeadLetterRecord.of(context, exception);
        letters.forEach(l -> counts.deadLettered("processing"));
        return Response.resume(letters);
    }

    /** Counts the dead letters when the planner put a {@link PlannerCounts} under {@link PlannerMeters#COUNTS_CONFIG}. */
    @Override
    public void configure(Map<String, ?> configs) {
        counts = PlannerMeters.counts(configs);
    }
}
