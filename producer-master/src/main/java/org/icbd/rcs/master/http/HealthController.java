package org.icbd.rcs.master.http;

import io.micronaut.context.annotation.Requires;
import org.icbd.rcs.master.service.MasterApplication;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.service.MasterService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /health}: 200 with {@code "status": "ok"} when the pool is on btrfs, the SSH service is
 * serving and Kafka answers within {@link #KAFKA_PROBE_TIMEOUT}; 503 with the same details otherwise.
 */
@Requires(env = MasterApplication.ENVIRONMENT)
@Controller("/health")
@ExecuteOn(TaskExecutors.BLOCKING)
public class HealthController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthController.class);

    static final Duration KAFKA_PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final MasterService master;
    private final Admin admin;

    public HealthController(MasterService master) {
        this.master = master;
        int timeoutMs = (int) KAFKA_PROBE_TIMEOUT.toMillis();
        this.admin = Admin.create(master.settings().kafkaClientSettings().adminConfig(
                "icbd-health-" + master.settings().getName(), Map.of(
                        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
                        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs)));
    }

    @Get
    public HttpResponse<HealthView> health() {
        boolean poolOnBtrfs;
        try {
            master.repository().checkPool();
            poolOnBtrfs = true;
        } catch (RepositoryException e) {
            poolOnBtrfs = false;
        }
        boolean sshRunning = master.sendServer().isRunning();
        boolean kafkaReachable = kafkaReachable();
        boolean ok = poolOnBtrfs && sshRunning && kafkaReachable;
        HealthView view = new HealthView(ok ? "ok" : "degraded", master.settings().getName(),
                master.repository().pool().toString(), poolOnBtrfs, master.sshPort(), sshRunning,
                master.hostKeyFingerprint(), master.settings().kafkaClientSettings().bootstrapServers(), kafkaReachable,
                master.republishState());
        return HttpResponse.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(view);
    }

    private boolean kafkaReachable() {
        try {
            return !admin.describeCluster().nodes().get(KAFKA_PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            log.debug("Kafka at {} unreachable: {}", master.settings().kafkaClientSettings().bootstrapServers(), e.toString());
            return false;
        }
    }

    @Override
    @PreDestroy
    public void close() {
        admin.close(Duration.ofSeconds(1));
    }
}
