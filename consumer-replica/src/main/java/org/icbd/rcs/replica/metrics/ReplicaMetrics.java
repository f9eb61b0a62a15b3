package org.icbd.rcs.replica.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.icbd.rcs.events.ErrorClass;

/**
 * The replica's meters, as Prometheus scrapes them from its {@code /metrics}:
 *
 * <ul>
 *   <li>{@code icbd_replica_steps_total{outcome="applied"|"failed", error_class="none"|"transient"|"permanent"}};
 *   <li>{@code icbd_replica_received_bytes_total}: stream bytes received, as on the wire, counted at
 *       each progress report and at the end of each step;
 *   <li>{@code icbd_replica_transfer_rate_bytes_per_second}: the rate of the step in flight, or of the
 *       last step once it ended;
 *   <li>{@code icbd_replica_lag_versions{image}}: versions the latest task for the image still has
 *       this replica apply (0 once the disk holds its target);
 *   <li>{@code icbd_replica_last_success_seconds{image}}: unix time of the last applied step.
 * </ul>
 *
 * Steps run one at a time per replica; the progress calls come from the step's timer thread, so the
 * byte count is kept under the object's lock.
 */
public final class ReplicaMetrics {

    private final MeterRegistry registry;
    private final Clock clock;
    private final Counter received;
    private final AtomicReference<Double> rate = new AtomicReference<>(0.0);
    private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Double>> lastSuccess = new ConcurrentHashMap<>();
    /** Bytes of the step in flight already added to {@link #received}. */
    private long countedThisStep;

    public ReplicaMetrics(MeterRegistry registry, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
        received = Counter.builder("icbd.replica.received").baseUnit("bytes")
                .description("Stream bytes received from the master, as on the wire").register(registry);
        Gauge.builder("icbd.replica.transfer.rate.bytes.per.second", rate, AtomicReference::get)
                .description("Transfer rate of the step in flight, or of the last step").register(registry);
        steps("applied", "none");
        for (ErrorClass c : ErrorClass.values()) {
            steps("failed", code(c));
        }
    }

    /** Meters nobody reads: for a replica built without a registry (unit tests, the bench). */
    public static ReplicaMetrics none() {
        return new ReplicaMetrics(new CompositeMeterRegistry(), Clock.systemUTC());
    }

    /** A progress report of the step in flight: {@code wireBytes} so far, at {@code bytesPerSecond}. */
    public synchronized void progress(long wireBytes, double bytesPerSecond) {
        addReceived(wireBytes);
        rate.set(bytesPerSecond);
    }

    /** A step of {@code image} was promoted after {@code wireBytes} in {@code elapsed}. */
    public synchronized void applied(String image, long wireBytes, Duration elapsed) {
        addReceived(wireBytes);
        countedThisStep = 0;
        rate.set(wireBytes / Math.max(0.001, elapsed.toMillis() / 1000.0));
        steps("applied", "none").increment();
        lastSuccess.computeIfAbsent(image, i -> {
            AtomicReference<Double> at = new AtomicReference<>(0.0);
            Gauge.builder("icbd.replica.last.success.seconds", at, AtomicReference::get).tag("image", i)
                    .description("Unix time of the last applied step of the image").register(registry);
            return at;
        }).set(clock.millis() / 1000.0);
    }

    /** A step of {@code image} failed with {@code errorClass} after {@code wireBytes}. */
    public synchronized void failed(String image, ErrorClass errorClass, long wireBytes) {
        addReceived(wireBytes);
        countedThisStep = 0;
        steps("failed", code(errorClass)).increment();
    }

    /** The latest task for {@code image} leaves {@code versions} steps to apply. */
    public void behind(String image, int versions) {
        lag.computeIfAbsent(image, i -> {
            AtomicLong n = new AtomicLong();
            Gauge.builder("icbd.replica.lag.versions", n, AtomicLong::get).tag("image", i)
                    .description("Versions the latest task for the image still has to apply here").register(registry);
            return n;
        }).set(versions);
    }

    private void addReceived(long wireBytes) {
        long more = wireBytes - countedThisStep;
        if (more > 0) {
            received.increment(more);
            countedThisStep = wireBytes;
        }
    }

    /**
     * What a serving replica's send service tells: the bytes it served to its downstreams
     * ({@code icbd_replica_served_bytes_total}) and its sends by outcome ({@code icbd_replica_serves_total}).
     */
    public org.icbd.rcs.master.ssh.SendObserver servedObserver() {
        Counter served = Counter.builder("icbd.replica.served").baseUnit("bytes")
                .description("Stream bytes this replica served to its site's replicas, as on the wire").register(registry);
        Counter completed = serves("completed");
        Counter failed = serves("failed");
        Counter refused = serves("refused");
        Counter busy = serves("busy");
        return new org.icbd.rcs.master.ssh.SendObserver() {
            @Override
            public void refused() {
                refused.increment();
            }

            @Override
            public void busy() {
                busy.increment();
            }

            @Override
            public void served(org.icbd.rcs.events.Compression compression, long bytes) {
                served.increment(bytes);
            }

            @Override
            public void completed(org.icbd.rcs.transfer.TransferRequest request) {
                completed.increment();
            }

            @Override
            public void failed(org.icbd.rcs.transfer.TransferRequest request) {
                failed.increment();
            }
        };
    }

    private Counter serves(String outcome) {
        return Counter.builder("icbd.replica.serves").description("Requests this replica's send service answered,"
                + " by outcome").tag("outcome", outcome).register(registry);
    }

    private Counter steps(String outcome, String errorClass) {
        return Counter.builder("icbd.replica.steps").description("Steps run by this replica, by outcome")
                .tag("outcome", outcome).tag("error_class", errorClass).register(registry);
    }

    private static String code(ErrorClass c) {
        return c.name().toLowerCase(Locale.ROOT);
    }
}
