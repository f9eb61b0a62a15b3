package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.icbd.rcs.topic.EventJson;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PlanCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void printsThePlanAndExitsZero() {
        assertEquals(0, run("plan", "--history", "1,2,3,4,5,6,7,8,9,10", "--have", "2", "--keep", "3"));
        assertTrue(out.toString().startsWith("plan: 2->8, 8->9, 9->10\nwhy:  deltas from 2"), out::toString);
    }

    @Test
    void retiredVersionsAndAnEmptyReplica() {
        assertEquals(0, run("plan", "--history", "1,2,x3,5", "--keep", "3"));
        assertTrue(out.toString().startsWith("plan: full 1, 1->2, 2->5"), out::toString);
    }

    @Test
    void aConflictIsDescribedAndExitsFour() {
        assertEquals(PlanCommand.CONFLICT, run("plan", "--history", "1,2,3", "--have", "2!", "--keep", "2"));
        assertTrue(out.toString().startsWith("conflict: the replica has diverged from the master"), out::toString);
        assertTrue(out.toString().contains("nothing is sent to this replica"), out::toString);
    }

    @Test
    void json() throws Exception {
        assertEquals(0, run("plan", "--history", "1,2,3", "--have", "1", "--keep", "2", "--json"));
        JsonNode plan = EventJson.mapper().readTree(out.toString());
        assertEquals("plan", plan.get("result").asText());
        assertEquals("Incremental", plan.get("basis").asText());
        assertEquals("1->2, 2->3", plan.get("render").asText());
        assertEquals(1, plan.get("steps").get(0).get("parentVersion").asInt());
        assertEquals(2, plan.get("steps").get(0).get("version").asInt());

        out.getBuffer().setLength(0);
        assertEquals(PlanCommand.CONFLICT, run("plan", "--history", "1,2", "--have", "1,7", "--keep", "2", "--json"));
        JsonNode conflict = EventJson.mapper().readTree(out.toString());
        assertEquals("UnknownVersions", conflict.get("conflict").asText());
        assertEquals(7, conflict.get("unknown").get(0).asInt());
    }

    @Test
    void badInputExitsTwoWithAClearMessage() {
        assertEquals(2, run("plan", "--history", "1,2,y3", "--keep", "3"));
        assertTrue(err.toString().contains("--history: history entry 3 'y3' is not a version"), err::toString);
        assertEquals(2, run("plan", "--history", "1,2", "--keep", "0"));
        assertTrue(err.toString().contains("--keep must be at least 1"), err::toString);
        assertEquals(2, run("plan", "--history", "3,2", "--keep", "1"));
        assertTrue(err.toString().contains("strictly increasing"), err::toString);
        assertEquals(2, run("plan", "--keep", "1"));
        assertTrue(err.toString().contains("Missing required option: '--history=VERSIONS'"), err::toString);
    }

    @Test
    void helpShowsExamples() {
        assertEquals(0, run("plan", "--help"));
        assertTrue(out.toString().contains("icbd plan --history 1,2,x3,5 --keep 3"), out::toString);
    }

    private int run(String... args) {
        return new CommandLine(new Icbd())
                .setExecutionExceptionHandler(new FailureHandler())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }
}
