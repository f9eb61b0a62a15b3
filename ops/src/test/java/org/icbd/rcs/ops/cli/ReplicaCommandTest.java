package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code icbd replica run}'s front: help, and a bad setting refused at start with its name. */
class ReplicaCommandTest {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Icbd.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void helpShowsAnExample() {
        assertEquals(0, run("replica", "run", "--help"));
        assertTrue(out.toString().contains("--subscribe"), out.toString());
        assertTrue(out.toString().contains("icbd replica run --id lab-110-a"), out.toString());
    }

    @Test
    void aMissingSettingIsNamed() {
        assertEquals(1, run("replica", "run", "--id", "lab-a", "--pool", tmp.toString()));
        assertTrue(err.toString().contains("icbd.replica.site: is required"), err.toString());
    }

    @Test
    void flagsWinOverTheConfigFile() throws Exception {
        Path config = Files.writeString(tmp.resolve("replica.yml"), """
                icbd:
                  replica:
                    id: from-file
                    site: lab
                    pool: /nonexistent-from-file
                """);
        assertEquals(1, run("replica", "run", "--config", config.toString(), "--pool", tmp.resolve("nope").toString()));
        assertTrue(err.toString().contains("icbd.replica.pool: " + tmp.resolve("nope")), err.toString());
    }

    @Test
    void aBadDurationIsABadUsage() {
        assertEquals(2, run("replica", "run", "--heartbeat", "soon"));
        assertTrue(err.toString().contains("not a duration"), err.toString());
    }
}
