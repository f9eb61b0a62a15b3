package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The master's subcommands without btrfs or Kafka: help texts, flag parsing, usage errors. */
class MasterCliTest {

    @Test
    void everySubcommandExplainsItselfWithAnExample() {
        for (String[] args : new String[][] {{"image", "init", "--help"}, {"publish", "--help"},
                {"master", "serve", "--help"}, {"retire", "--help"}, {"prune", "--help"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(0, run.exitCode(), () -> String.join(" ", args) + ": " + run.err());
            assertTrue(run.out().contains("Example"), run.out());
        }
        String publishHelp = CliRun.of("publish", "--help").out();
        assertTrue(publishHelp.contains("75"), "the publish help documents exit 75");
        assertTrue(publishHelp.contains("65  (EX_DATAERR)") && publishHelp.contains("69  (EX_UNAVAILABLE)")
                && publishHelp.contains("--verdict-timeout"), publishHelp);
        assertTrue(CliRun.of("retire", "--help").out().contains("3   refused"), "the retire help documents exit 3");
    }

    @Test
    void serveFlagsBecomeMasterSettingsAndOnlyTheGivenOnes() {
        MasterCommand.Serve serve = new MasterCommand.Serve();
        new CommandLine(serve).parseArgs("--pool", "/srv/p", "--ssh-port", "2022", "--send-queue-timeout", "90s",
                "--http-port", "-1");
        assertEquals(Map.of("icbd.master.pool", "/srv/p", "icbd.master.ssh-port", 2022,
                "icbd.master.send-queue-timeout", "PT1M30S", "icbd.master.http-port", -1), serve.properties());

        MasterCommand.Serve retention = new MasterCommand.Serve();
        new CommandLine(retention).parseArgs("--keep", "3", "--reconcile-interval", "10s", "--offline-limit", "7d");
        assertEquals(Map.of("icbd.master.keep", 3, "icbd.master.reconcile-interval", "PT10S",
                "icbd.master.offline-limit", "PT168H"), retention.properties());
    }

    @Test
    void kafkaFlagsBecomeTheMastersKafkaSection(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), "security.protocol=SSL\nclient.id=file\n");
        MasterCommand.Serve serve = new MasterCommand.Serve();
        new CommandLine(serve).parseArgs("--bootstrap", "kafka1:9092", "--kafka-properties", file.toString(),
                "--kafka-property", "client.id=flag");
        assertEquals(Map.of("icbd.master.kafka.bootstrap-servers", "kafka1:9092",
                "icbd.master.kafka.properties.security.protocol", "SSL",
                "icbd.master.kafka.properties.client.id", "flag"), serve.properties());
    }

    @Test
    void aBadKafkaFlagIsABadUsageNamingIt() {
        CliRun run = CliRun.of("master", "serve", "--bootstrap", "kafka1");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--bootstrap 'kafka1' is not a list of host:port"), run.err());
        CliRun fixed = CliRun.of("publish", "--pool", "/p", "--image", "x", "--kafka-property", "acks=1");
        assertEquals(2, fixed.exitCode(), fixed.err());
        assertTrue(fixed.err().contains("Kafka property acks cannot be passed through"), fixed.err());
    }

    @Test
    void durationsReadAsOperatorsWriteThem() {
        DurationConverter c = new DurationConverter();
        assertEquals(Duration.ofMillis(500), c.convert("500ms"));
        assertEquals(Duration.ofSeconds(15), c.convert("15s"));
        assertEquals(Duration.ofMinutes(5), c.convert("5m"));
        assertEquals(Duration.ofHours(1), c.convert("1h"));
        assertEquals(Duration.ofSeconds(15), c.convert("PT15S"));
        CliRun run = CliRun.of("publish", "--pool", "/p", "--image", "x", "--timeout", "soon");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("'soon' is not a duration"), run.err());
    }

    @Test
    void aMissingPoolIsAUsageError() {
        CliRun run = CliRun.of("publish", "--image", "ubuntu");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--pool"), run.err());
    }
}
