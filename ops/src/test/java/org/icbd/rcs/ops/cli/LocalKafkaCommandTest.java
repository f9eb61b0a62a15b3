package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The options of {@code icbd local-kafka}, checked before any broker starts; LocalKafkaClusterIT runs a cluster. */
class LocalKafkaCommandTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "local-kafka --brokers 0                  | --brokers must be 1-9, got 0",
            "local-kafka --brokers 10                 | --brokers must be 1-9, got 10",
            "local-kafka --brokers x                  | Invalid value for option '--brokers': 'x' is not an int",
            "local-kafka --brokers 3 --port 65534     | --port 65534 leaves no room for 3 nodes (ports 65534-65536)",
            "local-kafka --port 70000                 | --port must be 0 or 1-65535, got 70000",
            "local-kafka --partitions 0               | --partitions must be at least 1, got 0",
            "local-kafka --brokers 3 --node 4 --port 9092 --controller-port 9192 --data-dir /var/tmp/k | --node must be a node of the 3-node cluster, 1-3, got 4",
            "local-kafka --brokers 3 --node 2 --port 9092 | --node needs --port, --controller-port and --data-dir",
            "local-kafka --controller-port 70000      | --controller-port must be 0 or 1-65535, got 70000",
    })
    void badOptionsExitTwoNamingTheOption(String commandLine, String message) {
        CliRun run = CliRun.of(commandLine.split(" "));
        assertEquals(2, run.exitCode(), run::err);
        assertTrue(run.err().contains(message), run::err);
    }

    @Test
    void aBlankHostIsAUsageError() {
        CliRun run = CliRun.of("local-kafka", "--host", " ");
        assertEquals(2, run.exitCode(), run::err);
        assertTrue(run.err().contains("--host must be an address of this machine"), run::err);
    }

    @Test
    void helpExplainsTheClusterForm() {
        CliRun run = CliRun.of("local-kafka", "--help");
        assertEquals(0, run.exitCode(), run::err);
        assertTrue(run.out().contains("--brokers=N"), run::out);
        assertTrue(run.out().contains("icbd local-kafka --brokers 3 --port 9092"), run::out);
    }

    @Test
    void portsCountUpFromTheFirstNode() {
        CliRun run = CliRun.of("local-kafka", "--brokers", "3", "--port", "65533", "--partitions", "0");
        // The port range fits (65533-65535); the run stops at the next bad option, before starting anything.
        assertEquals(2, run.exitCode(), run::err);
        assertTrue(run.err().contains("--partitions must be at least 1"), run::err);
    }
}
