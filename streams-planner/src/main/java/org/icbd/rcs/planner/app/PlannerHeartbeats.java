package org.icbd.rcs.planner.app;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planner's own heartbeat on {@code icbd.planners}: every {@link #DEFAULT_INTERVAL}, while the
 * Streams application is RUNNING (it has its partitions and processes), one
 * {@link PlannerHeartbeat} under the instance's key; on {@link #close()} a tombstone for that key,
 * so a cleanly stopped planner leaves no live entry. It runs beside the topology, never inside it:
 * a planner whose stream threads are rebalancing or dead says nothing, and its silence is what
 * {@code icbd status} warns about.
 */
final class PlannerHeartbeats implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlannerHeartbeats.class);

    /** How often a RUNNING planner says so; well below {@code icbd status}'s 30 s silence threshold. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

    private final Producer<String, PlannerHeartbeat> producer;
    private final ScheduledExecutorService timer;
    private final BooleanSupplier running;
    private final Clock clock;
    private final String applicationId;
    private final String instanceId;
    private final String software;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final AtomicBoolean closed = new AtomicBoolean();
    /** Beats failed in a row; the producer's callbacks run on its one I/O thread. */
    private final AtomicInteger failures = new AtomicInteger();
    private final String bootstrapServers;

    PlannerHeartbeats(KafkaClientSettings kafka, String applicationId, BooleanSupplier running, Duration interval,
                      Clock clock) {
        this.running = Objects.requireNonNull(running, "running");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.applicationId = applicationId;
        this.bootstrapServers = kafka.bootstrapServers();
        this.instanceId = instanceId();
        this.software = software();
        this.producer = new KafkaProducer<>(kafka.producerConfig(applicationId + "-heartbeat",
                Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(interval.toMillis() * 4, 30_000),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, interval.toMillis())),
                Topics.PLANNERS.keySerde().serializer(), Topics.PLANNERS.valueSerde().serializer());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "icbd-planner-heartbeat");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    String key() {
        return applicationId + "/" + instanceId;
    }

    private void beat() {
        if (!running.getAsBoolean()) {
            return;
        }
        PlannerHeartbeat beat = PlannerHeartbeat.of(applicationId, instanceId, software, clock.instant());
        try {
            producer.send(new ProducerRecord<>(Topics.PLANNERS.name(), beat.key(), beat), (metadata, e) -> {
                if (e != null) {
                    // One line per beat while Kafka is away: the planner's own word that it waits.
                    LOG.warn("planner {}: waiting for Kafka at {}: heartbeat to {} failed (attempt {}): {}; retrying"
                            + " every beat", key(), bootstrapServers, Topics.PLANNERS.name(),
                            failures.incrementAndGet(), e.toString());
                } else if (failures.get() > 0) {
                    LOG.info("planner {}: heartbeats reach {} on {} again after {} failed", key(),
                            Topics.PLANNERS.name(), bootstrapServers, failures.getAndSet(0));
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("planner {}: heartbeat not sent: {}", key(), e.toString());
        }
    }

    /** Stops beating and removes this instance's entry (bounded: a broker that is gone costs at most a few seconds). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        try {
            producer.send(new ProducerRecord<>(Topics.PLANNERS.name(), key(), null));
            producer.flush();
        } catch (RuntimeException e) {
            LOG.debug("planner {}: heartbeat tombstone not sent: {}", key(), e.toString());
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** {@code host-pid}: unique among the instances of one application on one cluster. */
    private static String instanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        String pid = String.valueOf(ManagementFactory.getRuntimeMXBean().getPid());
        // Tests run several planners in one JVM: the sequence tells them apart.
        return host.replace('/', '_') + "-" + pid + "-" + SEQUENCE.incrementAndGet();
    }

    private static String software() {
        String v = PlannerHeartbeats.class.getPackage().getImplementationVersion();
        return "icbd-rcs " + (v != null ? v : "dev");
    }
}
