package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.EventJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code icbd image init}, {@code icbd publish} and {@code icbd master serve} on a real pool and broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MasterCliIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private Path tmp;
    private LoopPool pool;
    private String poolDir;

    @BeforeAll
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("icbd-cli-it-");
        pool = LoopPool.create(tmp.resolve("pool.img"), tmp.resolve("mnt"));
        poolDir = pool.mountPoint().toString();
    }

    @AfterAll
    void tearDown() throws IOException {
        try {
            if (pool != null) {
                pool.close();
            }
        } finally {
            try (Stream<Path> paths = Files.walk(tmp)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void initThenPublishPrintsTheVersionAndItsUuid() throws IOException {
        CliRun init = CliRun.of("image", "init", "--pool", poolDir, "--image", "ubuntu");
        assertEquals(0, init.exitCode(), init.err());
        assertTrue(init.out().startsWith("initialised image ubuntu: "), init.out());
        Files.writeString(pool.mountPoint().resolve("images/ubuntu/work/motd"), "hello\n");

        CliRun first = CliRun.of("publish", "--pool", poolDir, "--image", "ubuntu", "--bootstrap",
                KAFKA.bootstrapServers(), "--master", "hq", "--verdict-timeout", "0s");
        assertEquals(0, first.exitCode(), first.err());
        String uuid = new BtrfsTool(new CommandRunner()).show(pool.mountPoint().resolve("images/ubuntu/versions/1"))
                .uuid().toString();
        assertEquals("published ubuntu version 1 uuid " + uuid + System.lineSeparator(), first.out());

        CliRun second = CliRun.of("publish", "--pool", poolDir, "--image", "ubuntu", "--bootstrap",
                KAFKA.bootstrapServers(), "--master", "hq", "--json", "--verdict-timeout", "0s");
        assertEquals(0, second.exitCode(), second.err());
        JsonNode event = EventJson.mapper().readTree(second.out());
        assertEquals("ImageVersionPublished", event.get("type").asText());
        assertEquals(2, event.get("version").asInt());
        assertEquals(1, event.get("parentVersion").asInt());
        assertEquals(uuid, event.get("parentUuid").asText());
        assertEquals("hq", event.get("master").asText());

        CliRun again = CliRun.of("image", "init", "--pool", poolDir, "--image", "ubuntu");
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("image ubuntu is already initialised"), again.err());
    }

    @Test
    void aBrokerThatIsDownExits75AndSaysTheSnapshotWaitsForTheMaster() throws IOException {
        assertEquals(0, CliRun.of("image", "init", "--pool", poolDir, "--image", "offline").exitCode());
        CliRun run = CliRun.of("publish", "--pool", poolDir, "--image", "offline", "--bootstrap", deadBootstrap(),
                "--timeout", "2s");
        assertEquals(PublishCommand.EXIT_NOT_DURABLE, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("icbd publish: snapshot ") && run.err().contains("images/offline/versions/1")
                && run.err().contains("publishes it at its next reconciliation"), run.err());
        assertTrue(Files.isDirectory(pool.mountPoint().resolve("images/offline/versions/1")));
    }

    @Test
    void publishRefusesWhatItCannotDoWithAClearMessage() throws IOException {
        CliRun badName = CliRun.of("publish", "--pool", poolDir, "--image", "../etc");
        assertEquals(2, badName.exitCode());
        assertTrue(badName.err().contains("is not a valid name"), badName.err());

        CliRun unknown = CliRun.of("publish", "--pool", poolDir, "--image", "never-made", "--timeout", "2s");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("image never-made does not exist"), unknown.err());

        CliRun notBtrfs = CliRun.of("publish", "--pool", tmp.toString(), "--image", "ubuntu", "--timeout", "2s");
        assertEquals(1, notBtrfs.exitCode());
        assertTrue(notBtrfs.err().contains("is not on a btrfs filesystem"), notBtrfs.err());
    }

    @Test
    void serveRefusesToStartWithABadSettingAndNamesIt() {
        CliRun run = CliRun.of("master", "serve", "--pool", poolDir, "--authorized-keys",
                tmp.resolve("nothing-here").toString(), "--host-key", tmp.resolve("host_key").toString(),
                "--bootstrap", KAFKA.bootstrapServers(), "--ssh-port", "0", "--http-port", "-1");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("icbd.master.authorized-keys-file"), run.err());
    }

    private static String deadBootstrap() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
