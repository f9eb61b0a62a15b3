package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code icbd status} against a real broker: table, JSON, exit codes, the planner's silence, and a poison record skipped. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusCommandIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private record Run(int exit, String out, String err) {
    }

    private static Run status(String... extra) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = new String[2 + extra.length + 1];
        args[0] = "status";
        args[1] = "--bootstrap";
        args[2] = KAFKA.bootstrapServers();
        System.arraycopy(extra, 0, args, 3, extra.length);
        int exit = Icbd.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static void send(String key, byte[] value) throws Exception {
        send(Topics.REPLICATION_STATUS.name(), key, value);
    }

    static void send(String topic, String key, byte[] value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** A planner instance's heartbeat sent {@code at}, as a running planner publishes it. */
    private static void plannerBeat(String instance, Instant at) throws Exception {
        PlannerHeartbeat beat = PlannerHeartbeat.of("icbd-planner", instance, "icbd-rcs test", at);
        send(Topics.PLANNERS.name(), beat.key(),
                Topics.PLANNERS.valueSerde().serializer().serialize(Topics.PLANNERS.name(), beat));
    }

    private static byte[] json(ReplicationStatus s) {
        return Topics.REPLICATION_STATUS.valueSerde().serializer().serialize(Topics.REPLICATION_STATUS.name(), s);
    }

    private static ReplicationStatus status(String replica, ReplicationState state, int have, int latest) {
        return ReplicationStatus.of(replica, "lab-110", "ubuntu", Optional.of(latest), List.of(have), List.of(),
                state, latest - have, Optional.empty(),
                state == ReplicationState.FAILED ? Optional.of("connection refused") : Optional.empty(),
                Optional.empty(), Instant.now());
    }

    @Test
    @Order(1)
    void showsEveryPairAndExitsByTheWorstState() throws Exception {
        Run unheard = status();
        assertEquals(StatusCommand.EXIT_PLANNER_SILENT, unheard.exit(), unheard.err());
        assertTrue(unheard.err().contains("warning: no planner heartbeat on icbd.planners"), unheard.err());

        plannerBeat("a", Instant.now());
        Run empty = status();
        assertEquals(0, empty.exit(), empty.err());
        assertTrue(empty.err().contains("no replication status yet"), empty.err());

        send("r1/ubuntu", json(status("r1", ReplicationState.IN_SYNC, 3, 3)));
        send("r2/ubuntu", "{not json".getBytes(StandardCharsets.UTF_8));
        send("r2/ubuntu", json(status("r2", ReplicationState.BEHIND, 2, 3)));
        Run fine = status();
        assertEquals(0, fine.exit(), fine.err());
        assertTrue(fine.out().lines().anyMatch(l -> l.matches("r1 +lab-110 +ubuntu +3 +3 +IN_SYNC +0.*")), fine.out());
        assertTrue(fine.out().lines().anyMatch(l -> l.matches("r2 +lab-110 +ubuntu +2 +3 +BEHIND +1.*")), fine.out());
        assertTrue(fine.err().contains("skipped: ReplicationStatus on icbd.replication-status: not JSON"), fine.err());
        assertTrue(fine.out().lines().anyMatch(l -> l.matches("newest status \\d+ s old; planner heard \\d+ s ago \\(1 instance\\)")),
                fine.out());

        send("r1/ubuntu", json(status("r1", ReplicationState.FAILED, 3, 4)));
        Run failed = status("--json");
        assertEquals(StatusCommand.EXIT_ATTENTION, failed.exit());
        assertTrue(failed.err().contains("1 pair needs attention: r1/ubuntu FAILED"), failed.err());
        List<String> lines = failed.out().lines().toList();
        assertEquals(2, lines.size(), failed.out());
        assertTrue(lines.get(0).contains("\"replicaId\":\"r1\"") && lines.get(0).contains("\"state\":\"FAILED\""),
                lines.get(0));
    }

    @Test
    @Order(2)
    void aSilentPlannerIsAWarningAndExit4EvenWhenEveryPairLooksFine() throws Exception {
        // Every instance last heard two minutes ago: the planner is down, the records are its last words.
        plannerBeat("a", Instant.now().minusSeconds(120));
        send("r9/win11", json(ReplicationStatus.of("r9", "lab-110", "win11", Optional.of(1), List.of(1), List.of(),
                ReplicationState.IN_SYNC, 0, Optional.empty(), Optional.empty(), Optional.empty(), Instant.now())));
        Run stale = status("--planner-silent-after", "30s");
        assertEquals(StatusCommand.EXIT_PLANNER_SILENT, stale.exit(), stale.err());
        assertTrue(stale.err().contains("warning: the planner has been silent for 2 min"), stale.err());
        assertTrue(stale.out().contains("planner heard 2 min"), stale.out());

        Run patient = status("--planner-silent-after", "10m");
        assertTrue(patient.exit() == 0 || patient.exit() == StatusCommand.EXIT_ATTENTION, patient.err());
        assertTrue(!patient.err().contains("warning"), patient.err());
        plannerBeat("a", Instant.now());
    }

    @Test
    void passThroughPropertiesReachTheClient(@TempDir Path dir) throws Exception {
        Path plaintext = Files.writeString(dir.resolve("client.properties"), "security.protocol=PLAINTEXT\n");
        Run fromFile = status("--kafka-properties", plaintext.toString());
        // 0, 3 or 4 depending on what other tests of this class wrote: either way the topic was read.
        assertTrue(fromFile.exit() == 0 || fromFile.exit() == StatusCommand.EXIT_ATTENTION
                || fromFile.exit() == StatusCommand.EXIT_PLANNER_SILENT, fromFile.err());

        // The broker speaks plaintext: a client told to speak TLS cannot read it, so the flag was applied,
        // and it wins over the file.
        Run tls = status("--kafka-properties", plaintext.toString(), "--kafka-property", "security.protocol=SSL",
                "--timeout", "3s");
        assertEquals(1, tls.exit(), tls.err());
        assertTrue(tls.err().contains("cannot read the status from Kafka at " + KAFKA.bootstrapServers()), tls.err());
    }

    @Test
    void aFixedClientSettingIsABadUsageNamingIt() {
        Run run = status("--kafka-property", "isolation.level=read_uncommitted");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("Kafka property isolation.level cannot be passed through"), run.err());
    }

    @Test
    void anUnreachableBrokerIsAClearErrorNotAHang() {
        StringWriter err = new StringWriter();
        int exit = Icbd.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true),
                "status", "--bootstrap", "127.0.0.1:1", "--timeout", "2s");
        assertEquals(1, exit);
        assertTrue(err.toString().contains("cannot read the status from Kafka at 127.0.0.1:1"), err.toString());
    }
}
