package org.icbd.rcs.master.publish;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes versions: snapshots an image's {@code work} read-only as its next version, then produces
 * {@link ImageVersionPublished} to {@code icbd.image-versions} (key = image) and waits for the
 * broker's acknowledgement. The producer is idempotent with {@code acks=all}, so a returned event is
 * durable on every in-sync replica; every Kafka wait is bounded by the configured timeout, so a dead
 * broker fails the publish within about that time instead of hanging an admin script.
 */
public final class Publisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Publisher.class);

    private static final Topic<String, ImageVersionEvent> TOPIC = Topics.IMAGE_VERSIONS;
    /** Beyond the producer's own bounds, how long to wait for the future before giving up on it. */
    private static final Duration ACK_SLACK = Duration.ofSeconds(2);

    private final ImageRepository repository;
    private final PublisherSettings settings;
    private final KafkaProducer<String, ImageVersionEvent> producer;

    public Publisher(ImageRepository repository, PublisherSettings settings) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.producer = new KafkaProducer<>(producerConfig(settings), TOPIC.keySerde().serializer(),
                TOPIC.valueSerde().serializer());
    }

    static Map<String, Object> producerConfig(PublisherSettings settings) {
        int timeoutMs = (int) settings.timeout().toMillis();
        // send() waits up to max.block.ms for metadata (a dead broker never answers); delivery then has
        // delivery.timeout.ms, which Kafka requires to be >= linger.ms + request.timeout.ms.
        return settings.kafka().producerConfig("icbd-publish-" + settings.master(), Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs));
    }

    public PublisherSettings settings() {
        return settings;
    }

    /**
     * Snapshots {@code image} as its next version and publishes it.
     *
     * @return the event, acknowledged by Kafka
     * @throws org.icbd.rcs.master.repo.RepositoryException if no snapshot could be made (nothing changed)
     * @throws NotDurableException if the snapshot exists but its event was not acknowledged in time
     */
    public ImageVersionPublished publish(String image) {
        return announce(repository.snapshotNext(image)).event();
    }

    /** Publishes the event of an existing snapshot; see {@link #publish(String)}. */
    public ImageVersionPublished publish(ImageVersion version) {
        return announce(version).event();
    }

    /**
     * Publishes the event of an existing snapshot, telling where it was written.
     *
     * @throws NotDurableException if its event was not acknowledged in time
     */
    public Published announce(ImageVersion version) {
        ImageVersionPublished event = event(version, settings.master());
        RecordMetadata metadata = sendDurably(version.image(), event, cause -> notDurable(version, cause));
        log.info("published image {} version {} (uuid {}, parent {}) to {}-{}@{}", version.image(),
                version.version(), version.uuid(), version.parentVersion().map(String::valueOf).orElse("none"),
                metadata.topic(), metadata.partition(), metadata.offset());
        return new Published(event, metadata.topic(), metadata.partition(), metadata.offset());
    }

    /**
     * A durable event and where it is: what the planner's verdict on it refers to.
     *
     * @param topic     always {@code icbd.image-versions}
     * @param partition the partition it was written to
     * @param offset    its offset there
     */
    public record Published(ImageVersionPublished event, String topic, int partition, long offset) {
        public Published {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * Publishes the event of an existing snapshot as a correction of the event the topic holds for
     * its version with {@code wrongUuid}: the disk is the truth, and the planner takes the
     * correction's uuid as the version's.
     *
     * @return the event, acknowledged by Kafka
     * @throws NotDurableException if Kafka did not acknowledge it in time
     */
    public ImageVersionPublished publishCorrection(ImageVersion version, String wrongUuid) {
        ImageVersionPublished event = event(version, settings.master()).correcting(wrongUuid);
        RecordMetadata metadata = sendDurably(version.image(), event, cause -> notDurable(version, cause));
        log.info("published image {} version {} (uuid {}) correcting uuid {} to {}-{}@{}", version.image(),
                version.version(), version.uuid(), wrongUuid, metadata.topic(), metadata.partition(),
                metadata.offset());
        return event;
    }

    /**
     * Announces that {@code image} {@code version} (uuid {@code uuid}) is retired, and waits for the
     * acknowledgement. Callers delete the snapshot only after this returns: a retired event that
     * never arrived would leave the planner offering a version the master can no longer send.
     *
     * @return the event, acknowledged by Kafka
     * @throws NotDurableException if Kafka did not acknowledge it in time (nothing was deleted)
     */
    public ImageVersionRetired retire(String image, int version, String uuid, Path snapshot) {
        ImageVersionRetired event = ImageVersionRetired.of(image, version, uuid, Instant.now(), settings.master());
        RecordMetadata metadata = sendDurably(image, event, cause -> {
            String message = "Kafka at " + settings.kafka().bootstrapServers() + " did not acknowledge the retirement of image "
                    + image + " version " + version + " (uuid " + uuid + ") within " + settings.timeout().toSeconds()
                    + " s (" + cause.getMessage() + "); nothing was deleted, retry when Kafka is reachable";
            log.warn("image {} version {}: {}", image, version, message);
            return new NotDurableException(image, version, snapshot, message, cause);
        });
        log.info("published the retirement of image {} version {} (uuid {}) to {}-{}@{}", image, version, uuid,
                metadata.topic(), metadata.partition(), metadata.offset());
        return event;
    }

    private RecordMetadata sendDurably(String image, ImageVersionEvent event,
                                       Function<Throwable, NotDurableException> notDurable) {
        long deadline = System.nanoTime() + settings.timeout().plus(ACK_SLACK).toNanos();
        try {
            return producer.send(new ProducerRecord<>(TOPIC.name(), image, event))
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw notDurable.apply(e.getCause() != null ? e.getCause() : e);
        } catch (TimeoutException | KafkaException e) {
            throw notDurable.apply(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw notDurable.apply(e);
        }
    }

    /** The event that announces {@code version}. */
    public static ImageVersionPublished event(ImageVersion version, String master) {
        return ImageVersionPublished.of(version.image(), version.version(), version.uuid(), version.parentVersion(),
                version.parentUuid(), version.sizeBytes(), version.createdAt(), master);
    }

    private NotDurableException notDurable(ImageVersion version, Throwable cause) {
        String message = "snapshot " + version.path() + " (image " + version.image() + " version "
                + version.version() + ", uuid " + version.uuid() + ") exists, but Kafka at "
                + settings.kafka().bootstrapServers() + " did not acknowledge its event within "
                + settings.timeout().toSeconds() + " s (" + cause.getMessage() + "); the master service"
                + " publishes it at its next reconciliation";
        log.warn("image {} version {}: {}", version.image(), version.version(), message);
        return new NotDurableException(version.image(), version.version(), version.path(), message, cause);
    }

    /** Waits up to the timeout for anything still in flight, then gives up on it. */
    @Override
    public void close() {
        producer.close(settings.timeout());
    }
}
