package org.icbd.rcs.replica.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.icbd.rcs.events.ErrorClass;
import org.junit.jupiter.api.Test;

class ReplicaMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    private final ReplicaMetrics metrics = new ReplicaMetrics(registry, clock);

    private double received() {
        return registry.get("icbd.replica.received").counter().count();
    }

    private double steps(String outcome, String errorClass) {
        return registry.get("icbd.replica.steps").tag("outcome", outcome).tag("error_class", errorClass).counter().count();
    }

    @Test
    void progressAndTheStepsEndCountEveryByteOnce() {
        metrics.progress(100, 50);
        metrics.progress(250, 60);
        metrics.applied("ubuntu", 300, Duration.ofSeconds(3));
        assertEquals(300, received());
        metrics.progress(40, 10);
        metrics.failed("ubuntu", ErrorClass.TRANSIENT, 70);
        assertEquals(370, received(), "a failed step's bytes count too, from zero again");
        metrics.applied("ubuntu", 20, Duration.ofSeconds(1));
        assertEquals(390, received(), "the next step starts from zero");
        assertEquals(2, steps("applied", "none"));
        assertEquals(1, steps("failed", "transient"));
        assertEquals(0, steps("failed", "permanent"));
        assertEquals(20, registry.get("icbd.replica.transfer.rate.bytes.per.second").gauge().value(), 0.001);
        assertEquals(clock.millis() / 1000.0, registry.get("icbd.replica.last.success.seconds").tag("image", "ubuntu")
                .gauge().value(), 0.001);
    }

    @Test
    void lagIsPerImageAndFollowsTheLatestTask() {
        metrics.behind("ubuntu", 3);
        metrics.behind("win11", 1);
        metrics.behind("ubuntu", 2);
        assertEquals(2, registry.get("icbd.replica.lag.versions").tag("image", "ubuntu").gauge().value());
        assertEquals(1, registry.get("icbd.replica.lag.versions").tag("image", "win11").gauge().value());
    }
}
