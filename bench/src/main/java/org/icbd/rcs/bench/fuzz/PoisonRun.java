package org.icbd.rcs.bench.fuzz;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.bench.fuzz.EventSamples.Kind;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.topic.JsonSerde;
import org.icbd.rcs.topic.Topics;

/**
 * Poison records, each invalid by construction, written into every topic a running service consumes
 * (the planner reads image versions, registrations and states; the replica reads its tasks), keyed
 * as the real records of a live pair are, so that the consumers do read them. Each must come back
 * in {@code icbd.dead-letters} naming its topic, partition and offset.
 */
final class PoisonRun {

    /** The record kinds a service consumes. */
    static final List<Kind> CONSUMED = List.of(Kind.IMAGE_VERSION_PUBLISHED, Kind.IMAGE_VERSION_RETIRED,
            Kind.REPLICA_REGISTERED, Kind.REPLICA_IMAGE_STATE, Kind.REPLICATION_TASK);

    /** One poison record as written. */
    record Poison(String topic, int partition, long offset, String mutation) {
        String where() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    private final KafkaClientSettings kafka;
    private final EventSamples samples;
    private final FieldMutations fields;
    private final RandomGenerator random;

    PoisonRun(KafkaClientSettings kafka, RandomGenerator random, String replicaId, String image) {
        this.kafka = kafka;
        this.random = random;
        this.samples = new EventSamples(random, replicaId, image);
        this.fields = new FieldMutations(random);
    }

    /** Writes {@code perKind} poison records of each consumed kind; returns where they went. */
    @SuppressWarnings("unchecked")
    List<Poison> write(int perKind) throws InterruptedException, ExecutionException, TimeoutException {
        List<Poison> written = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerConfig("icbd-fuzz-poison"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (Kind kind : CONSUMED) {
                JsonSerde<Object> serde = (JsonSerde<Object>) kind.topic.valueSerde();
                for (int i = 0; i < perKind; i++) {
                    byte[] valid = serde.serialize(kind.topic.name(), samples.next(kind));
                    String mutation;
                    byte[] value;
                    switch (i % 6) {
                        case 0 -> {
                            mutation = "not JSON";
                            value = "this is not JSON {".getBytes(StandardCharsets.UTF_8);
                        }
                        case 1 -> {
                            mutation = "binary";
                            value = new byte[64];
                            random.nextBytes(value);
                            value[0] = (byte) 0xff;
                        }
                        case 2 -> {
                            mutation = "schemaVersion 99";
                            value = new String(valid, StandardCharsets.UTF_8)
                                    .replaceFirst("\"schemaVersion\":1", "\"schemaVersion\":99")
                                    .getBytes(StandardCharsets.UTF_8);
                        }
                        case 3 -> {
                            mutation = "truncated";
                            value = java.util.Arrays.copyOf(valid, valid.length / 2);
                        }
                        case 4 -> {
                            mutation = "a JSON array";
                            value = "[1,2,3]".getBytes(StandardCharsets.UTF_8);
                        }
                        default -> {
                            FieldMutations.Mutated m = fields.mutate(kind, valid);
                            mutation = m.mutation();
                            value = m.bytes();
                        }
                    }
                    RecordMetadata meta = producer.send(new ProducerRecord<>(kind.topic.name(), samples.key(kind),
                            value)).get(30, TimeUnit.SECONDS);
                    written.add(new Poison(meta.topic(), meta.partition(), meta.offset(), kind.label() + ": "
                            + mutation));
                }
            }
        }
        return written;
    }

    /**
     * Waits, up to {@code timeout}, until every poison record is in {@code icbd.dead-letters};
     * returns the ones that are.
     */
    List<Poison> awaitDeadLettered(List<Poison> poison, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Poison> found = new ArrayList<>();
        while (true) {
            Set<String> letters = new HashSet<>();
            for (TopicRecord<String, DeadLetter> r : TopicReader.readAll(kafka, "icbd-fuzz-dead-letters",
                    Topics.DEAD_LETTERS, Duration.ofSeconds(30))) {
                if (r instanceof TopicRecord.Read<String, DeadLetter> read && read.value() != null) {
                    DeadLetter d = read.value();
                    letters.add(d.topic() + "-" + d.partition() + "@" + d.offset());
                }
            }
            found = poison.stream().filter(p -> letters.contains(p.where())).toList();
            if (found.size() == poison.size() || System.nanoTime() > deadline) {
                return found;
            }
            Thread.sleep(1000);
        }
    }
}
