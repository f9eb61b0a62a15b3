package org.icbd.rcs.replica.report;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.events.ReplicaRegistered;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Republishes a replica's registration with a new {@code lastSeen} every interval, so that the
 * planner can tell a live replica from a silent one (OFFLINE).
 */
public final class Heartbeat implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final ReplicaPublisher publisher;
    private final ReplicaRegistered registration;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    public Heartbeat(ReplicaPublisher publisher, ReplicaRegistered registration, Duration interval, Clock clock) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.registration = Objects.requireNonNull(registration, "registration");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "replica-heartbeat-" + registration.replicaId());
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        timer.scheduleAtFixedRate(this::beat, millis, millis, TimeUnit.MILLISECONDS);
        log.info("replica {}: heartbeat every {}", registration.replicaId(), interval);
    }

    private void beat() {
        try {
            publisher.publishHeartbeat(registration.heartbeat(clock.instant()));
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: the heartbeat must outlive a bad moment.
            log.warn("replica {}: heartbeat failed: {}", registration.replicaId(), e.toString());
        }
    }

    /** Stops the heartbeat: once this returns, no heartbeat is sent any more. Any thread. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("replica {}: a heartbeat was still being sent 5 s after the heartbeat stopped",
                        registration.replicaId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
