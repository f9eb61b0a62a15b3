package org.icbd.rcs.replica.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;
import org.icbd.rcs.replica.config.ReplicaSettings;
import org.icbd.rcs.replica.service.ReplicaService;

/**
 * The replica's own small HTTP endpoint, served only when {@code icbd.replica.http.port} is set:
 * {@code GET /metrics} (Prometheus text; {@code ReplicaMetrics} lists the icbd meters) and
 * {@code GET /health} (200 while the service runs and its task loop lives, 503 otherwise).
 */
@Requires(env = ReplicaSettings.ENVIRONMENT)
@Controller
public class ReplicaHttpController {

    /** The Prometheus text exposition format, version 0.0.4. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final ReplicaService service;

    public ReplicaHttpController(PrometheusMeterRegistry registry, ReplicaService service) {
        this.registry = registry;
        this.service = service;
    }

    @Get(uri = "/metrics", produces = PROMETHEUS_TEXT)
    public String metrics() {
        return registry.scrape();
    }

    @Get("/health")
    public HttpResponse<Health> health() {
        boolean alive = service.isRunning() && !service.death().isDone();
        Health body = new Health(alive ? "ok" : "down", service.config().replicaId(), service.config().site());
        return alive ? HttpResponse.ok(body) : HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }

    /** {@code /health}'s body. */
    @Serdeable
    public record Health(String status, String replica, String site) {
    }
}
