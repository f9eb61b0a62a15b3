package org.icbd.rcs.bench.fleet;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;

/**
 * A running fleet's phone book on disk ({@code fleet.json} in the demo's work directory), for
 * scripts and people exploring a demo left running:
 *
 * <pre>
 * {"kafka":   {"bootstrap": "127.0.0.1:40123"},
 *  "master":  {"sshPort": 40125, "httpPort": 40127, "statusPage": "http://127.0.0.1:40127/"},
 *  "planner": {"httpPort": 40129},
 *  "replicas":[{"id": "lab-110-a", "site": "lab-110", "httpPort": 40131, "servePort": 40135}, ...]}
 * </pre>
 *
 * Every service listens on 127.0.0.1; each {@code httpPort} serves {@code /metrics} and {@code /health};
 * a replica that serves its site (site peers) has a {@code servePort}, its SSH send service.
 */
public record FleetEndpoints(Kafka kafka, Master master, Planner planner, List<Replica> replicas) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public FleetEndpoints {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(planner, "planner");
        replicas = List.copyOf(replicas);
    }

    public record Kafka(String bootstrap) {
    }

    public record Master(int sshPort, int httpPort, String statusPage) {
    }

    public record Planner(int httpPort) {
    }

    /** @param servePort the replica's own SSH send service; null (absent in the file) when it does not serve */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Replica(String id, String site, int httpPort, Integer servePort) {

        /** A replica that does not serve. */
        public Replica(String id, String site, int httpPort) {
            this(id, site, httpPort, null);
        }
    }

    /** Writes the file whole or not at all (a reader never sees half of it). */
    public void write(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static FleetEndpoints read(Path file) {
        try {
            return JSON.readValue(file.toFile(), FleetEndpoints.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
