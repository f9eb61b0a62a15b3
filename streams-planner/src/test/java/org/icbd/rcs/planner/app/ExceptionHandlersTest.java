package org.icbd.rcs.planner.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;

/** The handlers Kafka Streams calls for what the topology itself does not catch. */
class ExceptionHandlersTest {

    private static final byte[] KEY = "ubuntu".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE = "{\"input\":\"bogus\"}".getBytes(StandardCharsets.UTF_8);

    /** What Streams tells a handler about the source record. */
    private record Context(String topic, int partition, long offset, byte[] sourceRawKey, byte[] sourceRawValue)
            implements ErrorHandlerContext {
        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "plan";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(2, 0);
        }

        @Override
        public long timestamp() {
            return 0;
        }
    }

    private static final Context SOURCE = new Context("icbd-planner-state-reports-repartition", 0, 41, KEY, VALUE);

    @Test
    void anUndeserializableRecordBecomesADeadLetterAndProcessingResumes() {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(SOURCE.topic(), 0, 41, KEY, VALUE);
        DeserializationExceptionHandler.Response response = new DeadLetteringDeserializationHandler()
                .handleError(SOURCE, record, new SerializationException("cannot read planner ImageInput"));
        assertEquals(DeserializationExceptionHandler.Result.RESUME, response.result());
        assertDeadLetter(response.deadLetterQueueRecords(), "SerializationException: cannot read planner ImageInput");
    }

    @Test
    void aProcessingFailureBecomesADeadLetterAndProcessingResumes() {
        ProcessingExceptionHandler.Response response = new DeadLetteringProcessingHandler()
                .handleError(SOURCE, new Record<>("ubuntu", "x", 0), new IllegalStateException("bug"));
        assertEquals(ProcessingExceptionHandler.Result.RESUME, response.result());
        assertDeadLetter(response.deadLetterQueueRecords(), "IllegalStateException: bug");
    }

    @Test
    void aFailureInAPunctuationHasNoSourceRecordToDeadLetter() {
        ProcessingExceptionHandler.Response response = new DeadLetteringProcessingHandler()
                .handleError(new Context(null, -1, -1, null, null), null, new IllegalStateException("bug"));
        assertEquals(ProcessingExceptionHandler.Result.RESUME, response.result());
        assertEquals(List.of(), response.deadLetterQueueRecords());
    }

    @Test
    void retriableProductionErrorsAreRetriedOthersSkipped() {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.REPLICATION_TASKS.name(), KEY, VALUE);
        LoggingProductionHandler handler = new LoggingProductionHandler();
        assertEquals(ProductionExceptionHandler.Result.RETRY,
                handler.handleError(SOURCE, out, new TimeoutException("slow")).result());
        ProductionExceptionHandler.Response skipped = handler.handleError(SOURCE, out,
                new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
        assertEquals(ProductionExceptionHandler.Result.RESUME, skipped.result());
        assertDeadLetter(skipped.deadLetterQueueRecords(), "RecordTooLargeException: too large");
    }

    /** The dead letter of an oversized source record must itself fit a producer's 1 MiB request. */
    @Test
    void anOutputTooLargeForTheBrokerBecomesADeadLetterThatFits() {
        byte[] huge = new byte[900 * 1024];
        java.util.Arrays.fill(huge, (byte) 1);
        Context source = new Context(SOURCE.topic(), 0, 42, KEY, huge);
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.REPLICATION_STATUS.name(), KEY, huge);
        ProductionExceptionHandler.Response skipped = new LoggingProductionHandler().handleError(source, out,
                new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
        assertEquals(ProductionExceptionHandler.Result.RESUME, skipped.result());
        ProducerRecord<byte[], byte[]> record = skipped.deadLetterQueueRecords().get(0);
        assertTrue(record.value().length < 256 * 1024, "dead letter of " + record.value().length + " bytes");
        DeadLetter letter = Topics.DEAD_LETTERS.valueSerde().deserializer().deserialize(record.topic(), record.value());
        assertEquals(42, letter.offset());
        assertTrue(letter.reason().contains("RecordTooLargeException: too large"), letter.reason());
        assertTrue(letter.reason().contains("921600 bytes"), letter.reason());
    }

    private static void assertDeadLetter(List<ProducerRecord<byte[], byte[]>> records, String reason) {
        assertEquals(1, records.size());
        ProducerRecord<byte[], byte[]> record = records.get(0);
        assertEquals(Topics.DEAD_LETTERS.name(), record.topic());
        assertArrayEquals(KEY, record.key());
        DeadLetter letter = Topics.DEAD_LETTERS.valueSerde().deserializer().deserialize(record.topic(), record.value());
        assertEquals(SOURCE.topic(), letter.topic());
        assertEquals(41, letter.offset());
        assertEquals(reason, letter.reason());
        assertEquals("planner", letter.consumer());
        assertArrayEquals(VALUE, letter.rawValue().orElseThrow());
        assertTrue(letter.valueEncoding().orElseThrow().equals("utf8"));
    }
}
