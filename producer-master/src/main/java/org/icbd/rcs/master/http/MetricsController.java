package org.icbd.rcs.master.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import org.icbd.rcs.master.service.MasterApplication;

/**
 * {@code GET /metrics}: the master's meters in the Prometheus text format ({@code MasterMetrics}
 * lists the icbd ones; the JVM's and the HTTP server's come with Micronaut's Micrometer binders).
 */
@Requires(env = MasterApplication.ENVIRONMENT)
@Controller("/metrics")
public class MetricsController {

    /** The Prometheus text exposition format, version 0.0.4. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    public MetricsController(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Get(produces = PROMETHEUS_TEXT)
    public String scrape() {
        return registry.scrape();
    }
}
