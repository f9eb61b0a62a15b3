package org.icbd.rcs.planner.app;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failure to produce an output record: retriable errors are retried (as Streams' default
 * does); any other failure, and an output that cannot be serialized, is logged with the
 * source record sent to {@code icbd.dead-letters}, and processing continues. Losing one task or
 * status is recoverable (a lost task stalls and is issued again; a status is re-emitted at the
 * pair's next change); a stream thread failing on the same record forever is not.
 */
public final class LoggingProductionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(LoggingProductionHandler.class);

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                Exception exception) {
        if (exception instanceof RetriableException) {
            LOG.warn("Producing to {} failed, retrying: {}", record.topic(), exception.toString());
            return Response.retry();
        }
        LOG.error("Producing to {} failed for the record from {}-{}@{}; dropping the output", record.topic(),
                context.topic(), context.partition(), context.offset(), exception);
        return Response.resume(DeadLetterRecord.of(context, exception));
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        LOG.error("Cannot serialize the {} of an output to {} for the record from {}-{}@{}; dropping the output",
                origin, record.topic(), context.topic(), context.partition(), context.offset(), exception);
        return Response.resume(DeadLetterRecord.of(context, exception));
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // Nothing to configure.
    }
}
