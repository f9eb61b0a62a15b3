package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.icbd.rcs.localkafka.TopicAdmin;
import org.icbd.rcs.topic.Topic;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** What {@code icbd topics ensure} checks before it asks a cluster, and how it reports; TopicsCommandIT runs it. */
class TopicsCommandTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "topics                                         | a subcommand is required: ensure",
            "topics ensure --replication-factor 0           | --replication-factor must be at least 1, got 0",
            "topics ensure --replication-factor three       | Invalid value for option '--replication-factor': 'three' is not an int",
            "topics ensure --partitions 0                   | --partitions must be at least 1, got 0",
            "topics ensure --timeout soon                   | 'soon' is not a duration",
            "topics ensure --bootstrap kafka                | --bootstrap 'kafka' is not a list of host:port separated by commas",
            "topics ensure --bootstrap k1:9092,             | --bootstrap 'k1:9092,' is not a list of host:port separated by commas",
            "topics ensure --verbose                        | Unknown option: '--verbose'",
    })
    void badOptionsExitTwoNamingTheOption(String commandLine, String message) {
        CliRun run = CliRun.of(commandLine.split(" "));
        assertEquals(2, run.exitCode(), run::err);
        assertTrue(run.err().contains(message), run::err);
    }

    @Test
    void helpShowsTheDefaultsAndAProductionExample() {
        CliRun run = CliRun.of("topics", "ensure", "--help");
        assertEquals(0, run.exitCode(), run::err);
        assertTrue(run.out().contains("--replication-factor=N"), run::out);
        assertTrue(run.out().contains("(default: 3)"), run::out);
        assertTrue(run.out().contains("icbd topics ensure --bootstrap kafka1:9092,kafka2:9092,kafka3:9092 \\\n"
                + "      --replication-factor 3"), run::out);
    }

    @Test
    void anUnreachableClusterExitsOneNamingTheBootstrap() {
        CliRun run = CliRun.of("topics", "ensure", "--bootstrap", "127.0.0.1:1", "--timeout", "1s");
        assertEquals(1, run.exitCode(), run::err);
        assertTrue(run.err().contains("icbd topics ensure: cannot reach Kafka at 127.0.0.1:1 within PT1S"), run::err);
        assertEquals("", run.out());
    }

    @Test
    void oneLinePerTopicInOrderWithWhatDiffers() {
        Topic<String, String> a = topic("icbd.a");
        Topic<String, String> longer = topic("icbd.longer-name");
        Topic<String, String> c = topic("icbd.c");
        TopicAdmin.Result result = new TopicAdmin.Result(List.of("icbd.c"), List.of("icbd.a", "icbd.longer-name"),
                List.of(new TopicAdmin.Mismatch("icbd.longer-name", "cleanup.policy", "compact", "delete"),
                        new TopicAdmin.Mismatch("icbd.longer-name", "replication.factor", "3", "1")));

        assertEquals(List.of(
                "icbd.a            ok",
                "icbd.longer-name  differs: cleanup.policy is delete, expected compact; replication.factor is 1, "
                        + "expected 3",
                "icbd.c            created"), TopicsCommand.Ensure.report(List.of(a, longer, c), result));
    }

    private static Topic<String, String> topic(String name) {
        return new Topic<>(name, Serdes.String(), Serdes.String(), Map.of("cleanup.policy", "delete"));
    }
}
