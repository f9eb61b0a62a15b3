package org.icbd.rcs.bench.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fleet.json}: each replica's id, site and ports; a serving replica's {@code servePort}, absent otherwise. */
class FleetEndpointsTest {

    @Test
    void aServingReplicasPortIsWrittenAndReadBackAndAbsentForTheOthers(@TempDir Path dir) throws Exception {
        FleetEndpoints endpoints = new FleetEndpoints(new FleetEndpoints.Kafka("127.0.0.1:40123"),
                new FleetEndpoints.Master(40125, 40127, "http://127.0.0.1:40127/"), new FleetEndpoints.Planner(40129),
                List.of(new FleetEndpoints.Replica("lab-110-a", "lab-110", 40131, 40135),
                        new FleetEndpoints.Replica("lab-110-b", "lab-110", 40133)));
        Path file = dir.resolve("fleet.json");
        endpoints.write(file);
        String json = Files.readString(file);
        assertTrue(json.contains("\"servePort\" : 40135"), json);
        assertFalse(json.contains("null"), json);
        assertEquals(endpoints, FleetEndpoints.read(file));
    }
}
