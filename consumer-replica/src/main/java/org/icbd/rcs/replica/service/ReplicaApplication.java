package org.icbd.rcs.replica.service;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextBuilder;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import io.micronaut.runtime.server.EmbeddedServer;
import org.icbd.rcs.replica.config.InvalidSettingException;
import org.icbd.rcs.replica.config.ReplicaSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a replica service in this JVM, as {@code icbd replica run}, a systemd unit and the
 * end-to-end tests do. Settings come from {@code application-replica.yml}, then the environment
 * ({@code ICBD_REPLICA_POOL}...), then the given properties, which win.
 *
 * <p>Every call builds its own application context: replicas started in one JVM share nothing. The
 * context's environment is {@value #ENVIRONMENT} alone, and every replica bean requires it, as every
 * other service's beans require theirs: the {@code icbd} jar carries them all.
 */
public final class ReplicaApplication implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaApplication.class);

    /** The Micronaut environment of the replica: selects {@code application-replica.yml}. */
    public static final String ENVIRONMENT = ReplicaSettings.ENVIRONMENT;

    private final ApplicationContext context;
    private final ReplicaService service;
    private final OptionalInt httpPort;

    private ReplicaApplication(ApplicationContext context, ReplicaService service, OptionalInt httpPort) {
        this.context = context;
        this.service = service;
        this.httpPort = httpPort;
    }

    /**
     * Starts a replica with {@code properties} (full names, e.g. {@code icbd.replica.pool}) over the
     * other sources; returns once it is registered and consuming tasks.
     *
     * @throws InvalidSettingException naming the first bad setting
     */
    public static ReplicaApplication run(Map<String, Object> properties) {
        Objects.requireNonNull(properties, "properties");
        ApplicationContext context = contextBuilder().properties(properties).build();
        try {
            context.start();
            OptionalInt http = context.getBean(ReplicaSettings.class).getHttp().checkPort();
            ReplicaService service = context.getBean(ReplicaService.class);
            service.start();
            OptionalInt bound = OptionalInt.empty();
            if (http.isPresent()) {
                EmbeddedServer server = context.getBean(EmbeddedServer.class);
                server.start();
                bound = OptionalInt.of(server.getPort());
                log.info("replica {}: /metrics and /health on port {}", service.config().replicaId(), server.getPort());
            }
            return new ReplicaApplication(context, service, bound);
        } catch (RuntimeException e) {
            closeQuietly(context);
            InvalidSettingException invalid = invalidSetting(e);
            if (invalid != null) {
                throw invalid;
            }
            throw e;
        }
    }

    /** A builder for a replica's context: the replica environment, no environment deduction. */
    public static ApplicationContextBuilder contextBuilder() {
        return ApplicationContext.builder()
                .environments(ENVIRONMENT)
                .deduceEnvironment(false)
                .deduceCloudEnvironment(false)
                .banner(false);
    }

    public ReplicaService service() {
        return service;
    }

    /** The port of {@code /metrics} and {@code /health}; empty when {@code icbd.replica.http.port} is 0. */
    public OptionalInt httpPort() {
        return httpPort;
    }

    /** Stops the replica (the transfer in flight is aborted and reported) and its context. */
    @Override
    public void close() {
        closeQuietly(context);
    }

    /** The {@link InvalidSettingException} in a cause chain (Micronaut wraps what a factory throws). */
    private static InvalidSettingException invalidSetting(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidSettingException ise) {
                return ise;
            }
        }
        return null;
    }

    private static void closeQuietly(ApplicationContext context) {
        try {
            if (context.isRunning()) {
                context.close();
            }
        } catch (RuntimeException e) {
            log.warn("closing the replica's application context failed: {}", e.toString());
        }
    }
}
