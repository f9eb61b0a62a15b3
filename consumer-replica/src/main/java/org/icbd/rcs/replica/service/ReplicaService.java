package org.icbd.rcs.replica.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.replica.apply.TaskApplier;
import org.icbd.rcs.replica.config.InvalidSettingException;
import org.icbd.rcs.replica.config.ReplicaConfig;
import org.icbd.rcs.replica.config.ReplicaSettings;
import org.icbd.rcs.replica.disk.PoolException;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.replica.disk.VersionStore;
import org.icbd.rcs.replica.handoff.PostApplyHook;
import org.icbd.rcs.replica.metrics.ReplicaMetrics;
import org.icbd.rcs.rate.Throttle;
import org.icbd.rcs.replica.pull.TrustedSources;
import org.icbd.rcs.replica.serve.PeerServer;
import org.icbd.rcs.replica.serve.PoolVersions;
import org.icbd.rcs.replica.serve.ServeConfig;
import org.icbd.rcs.replica.report.Heartbeat;
import org.icbd.rcs.replica.report.PublishException;
import org.icbd.rcs.replica.report.ReplicaPublisher;
import org.icbd.rcs.replica.step.PullStepRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica: its pool, its master, its reports and its task consumer, wired and run in the order
 * that keeps the invariants.
 *
 * <p>Start: lock the pool, delete whatever staging a crash left (never promoted), point every
 * image's {@code current} at its newest version, scan the pool,
 * publish the registration and one state per subscribed image from disk (waiting for Kafka as long
 * as it takes when the broker is down), then heartbeat and
 * consume tasks; the heartbeat lives only as long as the task loop ({@link #death()}). Stop: abort
 * the transfer in flight (channel closed, receive killed, staging cleaned, state published, offset
 * left uncommitted), then release everything. No static state: several replicas can run in one
 * JVM, each with its own pool.
 */
public final class ReplicaService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaService.class);

    private final ReplicaConfig config;
    private final Clock clock;
    private final MeterRegistry meters;
    /** Everything started, in start order; closed in reverse. */
    private final List<AutoCloseable> started = new ArrayList<>();
    private TaskConsumer consumer;
    /** This replica's send service while it runs and serves. */
    private volatile Optional<PeerServer> peerServer = Optional.empty();
    private ReplicaMetrics metrics;
    private boolean running;
    /** Set by {@link #close()} before it waits for a start in progress, which then stops waiting for Kafka. */
    private volatile boolean closing;
    private CompletableFuture<TaskLoopDeath> death = new CompletableFuture<>();

    public ReplicaService(ReplicaConfig config, Clock clock) {
        this(config, clock, new CompositeMeterRegistry());
    }

    /** @param meters where the replica's meters ({@link ReplicaMetrics}) are registered */
    public ReplicaService(ReplicaConfig config, Clock clock, MeterRegistry meters) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    public ReplicaConfig config() {
        return config;
    }

    /** The send service this replica runs for its site; empty when it does not serve or is not running. */
    public Optional<PeerServer> peerServer() {
        return peerServer;
    }

    /**
     * Starts the replica; returns once it is registered and consuming.
     *
     * @throws InvalidSettingException if the pool cannot be used
     * @throws RuntimeException if Kafka or the disk fail at start; whatever started is closed again
     */
    public synchronized void start() {
        if (running) {
            throw new IllegalStateException("replica " + config.replicaId() + " is already running");
        }
        closing = false;
        String id = config.replicaId();
        try {
            BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
            ReplicaPool pool;
            try {
                pool = ReplicaPool.open(id, config.pool(), btrfs, new BtrfsFsCheck(btrfs));
            } catch (PoolException e) {
                throw new InvalidSettingException(ReplicaSettings.PREFIX + ".pool", e.getMessage(), e);
            }
            started.add(pool);
            // Partial subvolumes go; young stream files of unfinished steps stay for their step to resume.
            pool.cleanStaging(config.resumeMaxAge(), clock.instant());
            pool.updateCurrentLinks();
            for (Subscription s : config.subscriptions()) {
                List<HeldVersion> held = pool.held(s.image());
                log.info("replica {} image {}: holds {} (keep {})", id, s.image(), held, s.keep());
            }
            Optional<PeerServer> serving = Optional.empty();
            if (config.serve().isPresent()) {
                ServeConfig serve = config.serve().get();
                try {
                    serving = Optional.of(PeerServer.start(id, serve, new PoolVersions(id, pool, btrfs,
                            new BtrfsFsCheck(btrfs)), metrics().servedObserver()));
                } catch (IllegalArgumentException e) {
                    throw new InvalidSettingException(ReplicaSettings.PREFIX + ".serve", e.getMessage(), e);
                } catch (java.io.UncheckedIOException e) {
                    throw new InvalidSettingException(ReplicaSettings.PREFIX + ".serve.port", e.getMessage(), e);
                }
                started.add(serving.get());
            }
            peerServer = serving;
            TrustedSources sources = TrustedSources.open(id, config.master(), config.peers());
            started.add(sources);
            ReplicaPublisher publisher = new ReplicaPublisher(id, config.kafka(), config.ackTimeout());
            started.add(publisher);
            // The codec is a preference the planner honours for this replica's tasks; whatever a task
            // names is what is asked of the master, so a task issued before a change still applies.
            ReplicaRegistered announced = ReplicaRegistered.of(id, config.site(), config.subscriptions(),
                    config.master().user(), config.master().identityFingerprint(), software(),
                    Optional.of(config.compression()), clock.instant());
            ReplicaRegistered registration = serving.map(p -> announced.serving(p.announcement())).orElse(announced);
            untilKafkaAcknowledges("its registration", () -> publisher.publishRegistration(registration));
            Optional<Throttle> cap = config.maxPullRate().isPresent()
                    ? Optional.of(new Throttle(config.maxPullRate().getAsLong())) : Optional.empty();
            PullStepRunner steps = new PullStepRunner(id, pool, sources, config.progressInterval(), clock, cap);
            started.add(steps);
            PostApplyHook postApply = new PostApplyHook(id, config.postApply(), new CommandRunner());
            VersionStore versions = serving.map(p -> p.droppingStreamsOf(pool)).orElse(pool);
            TaskApplier applier = new TaskApplier(id, versions, steps, publisher, config.keepByImage(),
                    config.backoff(), clock, postApply, metrics());
            started.add(applier);
            for (Subscription s : config.subscriptions()) {
                untilKafkaAcknowledges("its state of image " + s.image(), () -> applier.report(s.image()));
            }
            Heartbeat heartbeat = new Heartbeat(publisher, registration, config.heartbeatInterval(), clock);
            started.add(heartbeat);
            consumer = new TaskConsumer(id, config.kafka(), config.groupId(), applier, publisher,
                    LoopPause.of(config.backoff()), clock);
            started.add(consumer);
            CompletableFuture<TaskLoopDeath> died = new CompletableFuture<>();
            death = died;
            // A replica that no longer applies tasks must not look alive: the planner then shows it OFFLINE.
            consumer.death().thenAccept(d -> {
                heartbeat.close();
                log.error("replica {}: {}; heartbeats stopped, so the planner shows this replica OFFLINE until it"
                        + " is restarted", id, d.reason());
                died.complete(d);
            });
            consumer.start();
            running = true;
            log.info("replica {} (site {}) started: pool {}, master {}, trusted peers {}, serving {}, subscriptions {},"
                    + " kafka {} (group {}), compression {} announced to the planner, post-apply hook {}", id,
                    config.site(), config.pool(), config.master(), sources.peerIds(),
                    serving.map(p -> p.announcement().address()).orElse("no"), config.subscriptions(),
                    config.kafka().bootstrapServers(), config.groupId(), config.compression(), postApply);
        } catch (RuntimeException e) {
            closeStarted();
            throw e;
        }
    }

    /**
     * Completes when the task loop of the running service died (not when the service is closed): the
     * process should then exit non-zero so that its service manager restarts it.
     */
    public synchronized CompletableFuture<TaskLoopDeath> death() {
        return death.copy();
    }

    /** Whether the service started and was not closed. */
    public synchronized boolean isRunning() {
        return running;
    }

    /**
     * Runs {@code publish} until Kafka acknowledges it: a broker that is down (or not yet up) at start
     * is waited for, however long, saying so at every attempt; anything but a retriable Kafka error
     * (a cluster that refuses this client, for instance) fails the start at once. {@link #close()}
     * ends the wait.
     */
    private void untilKafkaAcknowledges(String what, Runnable publish) {
        for (int attempt = 1; ; attempt++) {
            try {
                publish.run();
                if (attempt > 1) {
                    log.info("replica {}: Kafka at {} acknowledged {} after {} attempts; starting", config.replicaId(),
                            config.kafka().bootstrapServers(), what, attempt);
                }
                return;
            } catch (PublishException e) {
                if (!retriable(e)) {
                    throw e;
                }
                if (closing) {
                    throw new IllegalStateException("replica " + config.replicaId() + " stopped while waiting for"
                            + " Kafka at " + config.kafka().bootstrapServers(), e);
                }
                log.warn("replica {}: waiting for Kafka at {} to acknowledge {} (attempt {}): {}; retrying",
                        config.replicaId(), config.kafka().bootstrapServers(), what, attempt, e.getMessage());
            }
        }
    }

    /** A broker that is down or slow, as opposed to one that refuses this client. */
    private static boolean retriable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RetriableException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closing = true;
        closeNow();
    }

    private synchronized void closeNow() {
        if (!started.isEmpty()) {
            log.info("replica {}: stopping", config.replicaId());
            closeStarted();
            log.info("replica {}: stopped", config.replicaId());
        }
        running = false;
    }

    private void closeStarted() {
        for (int i = started.size() - 1; i >= 0; i--) {
            AutoCloseable c = started.get(i);
            try {
                c.close();
            } catch (Exception e) {
                log.warn("replica {}: closing {} failed: {}", config.replicaId(), c.getClass().getSimpleName(),
                        e.toString());
            }
        }
        started.clear();
        consumer = null;
        peerServer = Optional.empty();
    }

    /** One set of meters per registry: a restarted service counts on where it left off. */
    private ReplicaMetrics metrics() {
        if (metrics == null) {
            metrics = new ReplicaMetrics(meters, clock);
        }
        return metrics;
    }

    private static String software() {
        String v = ReplicaService.class.getPackage().getImplementationVersion();
        return "icbd-rcs " + (v != null ? v : "dev");
    }
}
