package org.icbd.rcs.master.service;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Context;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.fleet.FleetReader;
import org.icbd.rcs.master.fleet.FleetView;
import org.icbd.rcs.master.kafka.ConsumerTopicScan;
import org.icbd.rcs.master.metrics.MasterMetrics;
import org.icbd.rcs.master.kafka.TopicScan;
import org.icbd.rcs.master.lifecycle.VersionHistory;
import org.icbd.rcs.master.reconcile.Reconciler;
import org.icbd.rcs.master.retire.Pruner;
import org.icbd.rcs.master.retire.Retirer;
import org.icbd.rcs.topic.Topics;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.ssh.SendServer;
import org.icbd.rcs.master.status.StatusFeed;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.rate.Throttle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running master: checks its settings, keeps the topic in agreement with the disk, serves send
 * streams over SSH and, with {@code keep} set, prunes. Created eagerly with the application
 * context, so a bad setting stops the start with a message naming it; closed with the context.
 *
 * <p>Every reconcile interval (and once at start) it reconciles ({@link Reconciler}), reads the
 * fleet ({@link FleetReader}) and, with {@code keep}, applies retention to every image
 * ({@link Pruner}); the histories and fleet it saw are kept for the HTTP API
 * ({@link #lifecycle()}). Kafka being down, at start or later, does not stop the master: sends need
 * only the disk, and rounds come every {@link #PENDING_RETRY} until Kafka answers again.
 */
// Only in the master's context: other icbd services share the packaged jar.
@Requires(env = MasterApplication.ENVIRONMENT)
@Context
public class MasterService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MasterService.class);

    private final MasterSettings settings;
    private final ImageRepository repository;
    private final Publisher publisher;
    private final SendServer sendServer;
    private final ScheduledExecutorService reconciles;
    private final Reconciler reconciler;
    private final FleetReader fleetReader;
    private final Pruner pruner;
    private final StatusFeed statusFeed;
    /** While Kafka does not answer, rounds come this often (or at the reconcile interval, if shorter). */
    static final Duration PENDING_RETRY = Duration.ofSeconds(5);

    private volatile String republishState = "not run";
    /** Rounds failed in a row for want of Kafka; only the reconcile thread (and the constructor before it) touch it. */
    private int failedRounds;
    private volatile LifecycleView lifecycle = LifecycleView.NONE;

    public MasterService(MasterSettings settings, MeterRegistry meters) {
        this.settings = settings;
        settings.checkConfig();
        this.repository = new ImageRepository(settings.poolPath(), new CommandRunner());
        try {
            repository.checkPool();
        } catch (RepositoryException e) {
            throw new IllegalArgumentException(MasterSettings.PREFIX + ".pool: " + e.getMessage(), e);
        }
        this.reconciles = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "icbd-reconcile");
            t.setDaemon(true);
            return t;
        });
        this.publisher = new Publisher(repository, settings.publisherSettings());
        TopicScan scan = new ConsumerTopicScan(settings.publisherSettings(), "icbd-reconcile-" + settings.getName());
        this.reconciler = new Reconciler(repository, publisher, scan);
        this.fleetReader = new FleetReader(scan);
        this.pruner = new Pruner(repository, new Retirer(repository, publisher));
        try {
            reconcile();
            MasterMetrics metrics = new MasterMetrics(meters);
            StreamStore streams = new StreamStore(repository.pool().resolve(ImageRepository.STREAMS),
                    settings.streamBudgetBytes(), settings.streamCodec());
            this.sendServer = SendServer.builder(settings.sendServerSettings(), repository).streams(streams)
                    .sendRate(settings.maxSendRate().map(Throttle::new).orElse(null))
                    .tcpPort(settings.getTcpPort()).observer(metrics).start();
            metrics.watch(sendServer);
        } catch (RuntimeException e) {
            close(publisher);
            reconciles.shutdownNow();
            throw e;
        }
        this.statusFeed = new StatusFeed(settings.kafkaClientSettings(), settings.publisherSettings().timeout(),
                settings.getOfflineLimit(), Clock.systemUTC()).start();
        scheduleRound();
        log.info("master {} serving pool {}: SSH on port {}, Kafka at {}, reconciling every {} s, retention {}",
                settings.getName(), repository.pool(), sendServer.port(), settings.kafkaClientSettings().bootstrapServers(),
                settings.getReconcileInterval().toSeconds(),
                settings.keep().map(k -> "keeps the newest " + k).orElse("off"));
    }

    /**
     * The next round: after the reconcile interval, or sooner ({@link #PENDING_RETRY}) while Kafka has
     * not answered, so that a broker back from an outage is used within seconds.
     */
    private void scheduleRound() {
        Duration delay = failedRounds == 0 ? settings.getReconcileInterval() : retryDelay();
        try {
            reconciles.schedule(() -> {
                reconcile();
                scheduleRound();
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            log.debug("master {} closed: no further reconcile rounds", settings.getName());
        }
    }

    /**
     * One round: reconcile, read the fleet, prune. Never throws: a failed round is logged (one WARN
     * per attempt while Kafka is away, naming its bootstrap servers) and retried.
     */
    private void reconcile() {
        String kafka = settings.kafkaClientSettings().bootstrapServers();
        Reconciler.Reconciliation done;
        FleetView fleet;
        try {
            done = reconciler.run();
            republishState = "done: " + done.published().size() + " versions republished, "
                    + done.retired().size() + " retired (snapshot gone)";
        } catch (RuntimeException e) {
            republishState = "pending: " + e.getMessage();
            failedRounds++;
            log.warn("master {}: waiting for Kafka at {} to bring {} into agreement with the disk (attempt {}): {};"
                    + " sends go on from the disk; retrying in {} s", settings.getName(), kafka,
                    Topics.IMAGE_VERSIONS.name(), failedRounds, e.getMessage(), retryDelay().toSeconds());
            return;
        }
        try {
            fleet = fleetReader.read();
        } catch (RuntimeException e) {
            failedRounds++;
            log.warn("master {}: waiting for Kafka at {} to read the fleet (attempt {}): {}; retention waits, retrying"
                    + " in {} s", settings.getName(), kafka, failedRounds, e.getMessage(), retryDelay().toSeconds());
            lifecycle = new LifecycleView(done.histories(), lifecycle.fleet(), settings.keep(), lifecycle.at());
            return;
        }
        if (failedRounds > 0) {
            log.info("master {}: Kafka at {} answered after {} attempts; {} agrees with the disk ({})",
                    settings.getName(), kafka, failedRounds + 1, Topics.IMAGE_VERSIONS.name(), republishState);
            failedRounds = 0;
        }
        Map<String, VersionHistory> histories = new HashMap<>(done.histories());
        Instant now = Instant.now();
        if (settings.keep().isPresent()) {
            int keep = settings.keep().get();
            for (var e : done.histories().entrySet()) {
                String image = e.getKey();
                try {
                    Pruner.Outcome outcome = pruner.prune(image, e.getValue(), fleet.subscribed(image), keep, now,
                            settings.getOfflineLimit(), false);
                    histories.put(image, e.getValue().retiring(outcome.retired()));
                } catch (RuntimeException failure) {
                    log.warn("image {}: retention stopped ({}); the next round tries again", image,
                            failure.getMessage());
                }
            }
        }
        lifecycle = new LifecycleView(histories, fleet, settings.keep(), now);
    }

    private Duration retryDelay() {
        Duration interval = settings.getReconcileInterval();
        return interval.compareTo(PENDING_RETRY) < 0 ? interval : PENDING_RETRY;
    }

    /** The histories and fleet of the latest round, for the HTTP API. */
    public LifecycleView lifecycle() {
        return lifecycle;
    }

    /** The live status board behind the status page and {@code /api/status}. */
    public StatusFeed statusFeed() {
        return statusFeed;
    }

    public ImageRepository repository() {
        return repository;
    }

    public MasterSettings settings() {
        return settings;
    }

    public int sshPort() {
        return sendServer.port();
    }

    public SendServer sendServer() {
        return sendServer;
    }

    /** The SSH host key's fingerprint, as {@code ssh-keygen -l} prints it. */
    public String hostKeyFingerprint() {
        return KeyUtils.getFingerPrint(sendServer.hostKey());
    }

    /** The latest reconciliation: "done: N versions republished, M retired", or "pending: why". */
    public String republishState() {
        return republishState;
    }

    public Optional<String> name() {
        return Optional.ofNullable(settings.getName());
    }

    @Override
    @PreDestroy
    public void close() {
        reconciles.shutdownNow();
        if (statusFeed != null) {
            statusFeed.close();
        }
        if (sendServer != null) {
            sendServer.close();
        }
        close(publisher);
        log.info("master {} stopped", settings.getName());
    }

    private static void close(Publisher publisher) {
        try {
            publisher.close();
        } catch (RuntimeException e) {
            log.warn("closing the Kafka producer: {}", e.toString());
        }
    }
}
