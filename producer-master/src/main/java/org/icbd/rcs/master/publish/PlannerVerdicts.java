package org.icbd.rcs.master.publish;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planner's verdict on one record of {@code icbd.image-versions}: rejected iff a dead letter
 * names the record's topic, partition and offset; accepted iff the planner's consumer group has
 * committed an offset past the record and no such dead letter exists.
 *
 * <p>Sound because the planner runs {@code exactly_once_v2}: the dead letter of a record and the
 * offset commit past it are in one transaction, and both are read {@code read_committed}, so once
 * the commit is visible the dead letter (if any) is too. Open it before producing the event: it
 * reads only dead letters written after it opened.
 */
public final class PlannerVerdicts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PlannerVerdicts.class);

    /** The default wait: the planner commits every 100 ms, so a running planner answers well within it. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private static final Duration POLL = Duration.ofMillis(200);

    private final String plannerApplicationId;
    private final TopicReader<String, DeadLetter> deadLetters;
    private final Admin admin;
    private final Duration requestTimeout;

    private PlannerVerdicts(String plannerApplicationId, TopicReader<String, DeadLetter> deadLetters, Admin admin,
                            Duration requestTimeout) {
        this.plannerApplicationId = plannerApplicationId;
        this.deadLetters = deadLetters;
        this.admin = admin;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Starts following the dead letters from their current end.
     *
     * @param plannerApplicationId the planner's Kafka Streams application id (its consumer group)
     * @param requestTimeout       bounds each request to the cluster
     * @throws KafkaException when the cluster does not answer or {@code icbd.dead-letters} does not exist
     */
    public static PlannerVerdicts open(KafkaClientSettings kafka, String plannerApplicationId, Duration requestTimeout) {
        Objects.requireNonNull(plannerApplicationId, "plannerApplicationId");
        TopicReader<String, DeadLetter> reader = TopicReader.open(kafka, "icbd-publish-verdict", Topics.DEAD_LETTERS,
                requestTimeout);
        try {
            reader.skipToEnd();
            Admin admin = Admin.create(kafka.adminConfig("icbd-publish-verdict", Map.of()));
            return new PlannerVerdicts(plannerApplicationId, reader, admin, requestTimeout);
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** Waits up to {@code wait} for the planner's verdict on {@code published}. */
    public Verdict await(Publisher.Published published, Duration wait) {
        TopicPartition partition = new TopicPartition(published.topic(), published.partition());
        long deadline = System.nanoTime() + wait.toNanos();
        Optional<Long> committed = Optional.empty();
        String lastError = null;
        do {
            Optional<DeadLetter> letter = letterFor(published, false);
            if (letter.isPresent()) {
                return new Verdict.Rejected(letter.get());
            }
            try {
                committed = committed(partition);
                lastError = null;
            } catch (KafkaException | ExecutionException | TimeoutException e) {
                lastError = e.toString();
                log.debug("cannot read the committed offsets of {}: {}", plannerApplicationId, lastError);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (committed.isPresent() && committed.get() > published.offset()) {
                return letterFor(published, true).<Verdict>map(Verdict.Rejected::new).orElse(new Verdict.Accepted());
            }
        } while (System.nanoTime() < deadline);
        return new Verdict.Unknown("the planner (application id " + plannerApplicationId + ") did not process "
                + published.topic() + "-" + published.partition() + "@" + published.offset() + " within "
                + wait.toSeconds() + " s (its committed offset there: " + committed.map(String::valueOf).orElse("none")
                + (lastError == null ? "" : "; " + lastError) + "); is the planner running?"
                + " The event is durable: a running planner will plan it");
    }

    private Optional<Long> committed(TopicPartition partition)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(plannerApplicationId)
                .partitionsToOffsetAndMetadata().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return Optional.ofNullable(offsets.get(partition)).map(OffsetAndMetadata::offset);
    }

    /** The dead letter of {@code published} among those arrived; with {@code toEnd}, every one written so far. */
    private Optional<DeadLetter> letterFor(Publisher.Published published, boolean toEnd) {
        AtomicReference<DeadLetter> found = new AtomicReference<>();
        Consumer<TopicRecord<String, DeadLetter>> match = r -> {
            if (r instanceof TopicRecord.Read<String, DeadLetter> read && read.value() != null) {
                DeadLetter d = read.value();
                if (d.topic().equals(published.topic()) && d.partition() == published.partition()
                        && d.offset() == published.offset()) {
                    found.set(d);
                }
            }
        };
        if (toEnd) {
            deadLetters.readToEnd(match);
        } else {
            deadLetters.poll(POLL, match);
        }
        return Optional.ofNullable(found.get());
    }

    @Override
    public void close() {
        try {
            deadLetters.close();
        } finally {
            admin.close(Duration.ofSeconds(5));
        }
    }

    /** What the planner made of a published event. */
    public sealed interface Verdict {

        /** The planner took the event into the image's history. */
        record Accepted() implements Verdict {
        }

        /** The planner sent the event to the dead letters; {@code letter} says why. */
        record Rejected(DeadLetter letter) implements Verdict {
        }

        /** No verdict within the wait: {@code why} says what was seen. */
        record Unknown(String why) implements Verdict {
        }
    }
}
