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

    @Test
    void helpShowsServingAndPeers() {
        assertEquals(0, run("replica", "run", "--help"));
        for (String flag : java.util.List.of("--serve", "--serve-port", "--serve-advertised-host",
                "--serve-host-key-file", "--serve-authorized-keys-file", "--serve-max-downstreams", "--peer")) {
            assertTrue(out.toString().contains(flag), flag + " in " + out);
        }
    }

    @Test
    void aBadPeerFlagIsABadUsageAndABadPeerIsNamed() throws Exception {
        assertEquals(2, run("replica", "run", "--peer", "lab-b"));
        assertTrue(err.toString().contains("--peer 'lab-b': expected key=value pairs"), err.toString());
        java.security.KeyPair key = org.icbd.rcs.testkit.TestKeys.generate();
        Path privateKey = org.icbd.rcs.testkit.TestKeys.writePrivate(key, tmp.resolve("replica_key"));
        assertEquals(1, run("replica", "run", "--id", "lab-a", "--site", "lab", "--pool", tmp.toString(),
                "--master-host", "m", "--master-host-key", org.icbd.rcs.testkit.TestKeys.publicLine(key),
                "--private-key", privateKey.toString(),
                "--peer", "id=lab-b,host=cache-b,port=99999,host-key=" + org.icbd.rcs.testkit.TestKeys.publicLine(key)));
        assertTrue(err.toString().contains("icbd.replica.peers[0].port: must be 1-65535, got 99999"), err.toString());
    }
}
