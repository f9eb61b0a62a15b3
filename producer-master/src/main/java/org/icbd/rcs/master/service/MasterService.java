package org.icbd.rcs.master.service;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.Republisher;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.ssh.SendServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running master: checks its settings, makes the topic catch up with the disk, serves send
 * streams over SSH. Created eagerly with the application context, so a bad setting stops the start
 * with a message naming it; closed with the context.
 *
 * <p>Kafka being down does not stop the master: sends need only the disk. The republish is then
 * retried in the background until it succeeds, with a growing pause.
 */
// Only in the master's context: other icbd services share the packaged jar.
@Requires(env = MasterApplication.ENVIRONMENT)
@Context
public class MasterService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MasterService.class);

    private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    private static final Duration MAX_RETRY = Duration.ofMinutes(2);

    private final MasterSettings settings;
    private final ImageRepository repository;
    private final Publisher publisher;
    private final SendServer sendServer;
    private final ScheduledExecutorService retries;
    private volatile String republishState = "not run";

    public MasterService(MasterSettings settings) {
        this.settings = settings;
        settings.checkConfig();
        this.repository = new ImageRepository(settings.poolPath(), new CommandRunner());
        try {
            repository.checkPool();
        } catch (RepositoryException e) {
            throw new IllegalArgumentException(MasterSettings.PREFIX + ".pool: " + e.getMessage(), e);
        }
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "icbd-republish");
            t.setDaemon(true);
            return t;
        });
        this.publisher = new Publisher(repository, settings.publisherSettings());
        try {
            republish(FIRST_RETRY);
            this.sendServer = SendServer.start(settings.sendServerSettings(), repository);
        } catch (RuntimeException e) {
            close(publisher);
            retries.shutdownNow();
            throw e;
        }
        log.info("master {} serving pool {}: SSH on port {}, Kafka at {}", settings.getName(), repository.pool(),
                sendServer.port(), settings.kafkaClientSettings().bootstrapServers());
    }

    private void republish(Duration nextPause) {
        try {
            int count = new Republisher(repository, publisher).run().size();
            republishState = "done: " + count + " versions republished";
        } catch (RuntimeException e) {
            republishState = "pending: " + e.getMessage();
            log.warn("cannot bring {} up to date with the disk yet ({}); retrying in {} s",
                    org.icbd.rcs.topic.Topics.IMAGE_VERSIONS.name(), e.getMessage(), nextPause.toSeconds());
            Duration after = nextPause.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : nextPause.multipliedBy(2);
            retries.schedule(() -> republish(after), nextPause.toMillis(), TimeUnit.MILLISECONDS);
        }
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

    /** "done: N versions republished", or "pending: why" while Kafka cannot be reached. */
    public String republishState() {
        return republishState;
    }

    public Optional<String> name() {
        return Optional.ofNullable(settings.getName());
    }

    @Override
    @PreDestroy
    public void close() {
        retries.shutdownNow();
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
