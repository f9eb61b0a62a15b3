package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code icbd planner} checks before it starts anything; running it is PlannerIT's business. */
class PlannerCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void badOptionsExitTwoNamingTheOption() {
        assertEquals(2, run("planner", "--offline-after", "soon"));
        assertTrue(err.toString().contains("'soon' is not a duration"), err::toString);
        assertEquals(2, run("planner", "--compression", "brotli"));
        assertTrue(err.toString().contains("compression 'brotli' is unknown: use none, lz4 or zstd"), err::toString);
        assertEquals(2, run("planner", "--stall-deadline", "0s"));
        assertTrue(err.toString().contains("--stall-deadline must be positive"), err::toString);
        assertEquals(2, run("planner", "--bootstrap", "kafka"));
        assertTrue(err.toString().contains("--bootstrap 'kafka' is not a list of host:port"), err::toString);
        assertEquals(2, run("planner", "--application-id", "a b"));
        assertTrue(err.toString().contains("--application-id 'a b' must be"), err::toString);
    }

    @Test
    void aFixedKafkaPropertyIsABadOption() {
        assertEquals(2, run("planner", "--kafka-property", "processing.guarantee=at_least_once"));
        assertTrue(err.toString().contains("Kafka property processing.guarantee cannot be passed through"),
                err::toString);
    }

    @Test
    void flagsBecomePlannerSettingsAndOnlyTheGivenOnes() {
        PlannerCommand planner = new PlannerCommand();
        new CommandLine(planner).parseArgs("--bootstrap", "kafka1:9092", "--offline-after", "45s",
                "--compression", "none", "--kafka-property", "security.protocol=SSL");
        assertEquals(java.util.Map.of("icbd.planner.kafka.bootstrap-servers", "kafka1:9092",
                "icbd.planner.kafka.properties.security.protocol", "SSL",
                "icbd.planner.offline-after", "PT45S", "icbd.planner.compression", "none"), planner.properties());
    }

    @Test
    void helpShowsDefaultsAndExamples() {
        assertEquals(0, run("planner", "--help"));
        assertTrue(out.toString().contains("default: 30s"), out::toString);
        assertTrue(out.toString().contains("icbd planner --bootstrap 127.0.0.1:9092"), out::toString);
    }

    @Test
    void durationsAsOperatorsWriteThem() {
        DurationConverter c = new DurationConverter();
        assertEquals(Duration.ofMillis(500), c.convert("500ms"));
        assertEquals(Duration.ofSeconds(30), c.convert("30s"));
        assertEquals(Duration.ofMinutes(5), c.convert("5m"));
        assertEquals(Duration.ofHours(2), c.convert("2h"));
        assertEquals(Duration.ofDays(1), c.convert("1d"));
        assertEquals(Duration.ofSeconds(45), c.convert("PT45S"));
    }

    private int run(String... args) {
        return new CommandLine(new Icbd())
                .setExecutionExceptionHandler(new FailureHandler())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }
}
