package org.icbd.rcs.planner.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planner's small HTTP endpoint: {@code GET /metrics} ({@link PlannerMeters}, Prometheus text)
 * and {@code GET /health} (200 while Streams is RUNNING or REBALANCING, 503 otherwise). The planner
 * runs no web framework, so the JDK's HTTP server serves these two, on one thread.
 */
public final class PlannerHttp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlannerHttp.class);

    /** The Prometheus text exposition format, version 0.0.4. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private PlannerHttp(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves {@code planner} on {@code port} of every interface (-1: any free port).
     *
     * @throws IllegalArgumentException naming http-port when it is not -1 or a TCP port
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static PlannerHttp start(int port, PlannerApplication planner) {
        if (port < -1 || port == 0 || port > 65535) {
            throw new IllegalArgumentException("http-port must be -1 (any free port) or a TCP port up to 65535, got "
                    + port);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port == -1 ? 0 : port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port + " (http-port): " + e.getMessage(), e);
        }
        PlannerMeters meters = planner.meters();
        server.createContext("/metrics", exchange -> answer(exchange, 200, PROMETHEUS_TEXT, meters.scrape()));
        server.createContext("/health", exchange -> {
            KafkaStreams.State state = planner.state();
            boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
            answer(exchange, up ? 200 : 503, "application/json", "{\"status\":\"" + (up ? "ok" : "down")
                    + "\",\"streams\":\"" + state + "\",\"applicationId\":\"" + planner.config().applicationId() + "\"}");
        });
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "icbd-planner-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        LOG.info("Planner {}: /metrics and /health on port {}", planner.config().applicationId(),
                server.getAddress().getPort());
        return new PlannerHttp(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
