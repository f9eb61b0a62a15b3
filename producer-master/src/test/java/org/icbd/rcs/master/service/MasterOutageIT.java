package org.icbd.rcs.master.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.ssh.SendExitStatus;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.ImageVersionsTopic;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestPool;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master started while its broker is down starts anyway (its SSH service serves from the disk),
 * says what it waits for, and brings the topic into agreement with its disk once the broker is back,
 * well after its publish timeout.
 */
class MasterOutageIT {

    @TempDir
    Path tmp;

    @Test
    void aMasterStartedWhileTheBrokerIsDownReconcilesWhenItReturns() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(); TestPool pool = TestPool.create("outage")) {
            kafka.ensureTopics(Topics.ALL, 1);
            ImageRepository repository = new ImageRepository(pool.root(), new CommandRunner());
            Path work = repository.init("ubuntu");
            Files.writeString(work.resolve("f"), "one");
            ImageVersion v1 = repository.snapshotNext("ubuntu"); // on disk, never published
            ClientKeys keys = ClientKeys.generate(tmp.resolve("keys"), "replica");
            Files.writeString(tmp.resolve("authorized_keys"), keys.authorizedKeyLine() + "\n");

            int node = kafka.nodeIds().get(0);
            kafka.stop(node);
            long down = System.nanoTime();
            try (ApplicationContext context = MasterApplication.run(settings(pool.root(), kafka.bootstrapServers()))) {
                MasterService master = context.getBean(MasterService.class);
                assertTrue(master.republishState().startsWith("pending: "), master.republishState());
                // Ready without Kafka: sends need only the disk.
                try (SshExec ssh = new SshExec(master.sendServer().hostKey(), master.sshPort())) {
                    long[] bytes = {0};
                    SshExec.Result sent = ssh.exec(keys.keyPair(), "icbd-send/1 image=ubuntu version=1",
                            in -> bytes[0] = in.transferTo(java.io.OutputStream.nullOutputStream()), line -> { });
                    assertEquals(SendExitStatus.OK, sent.exitStatus(), sent.stderr());
                    assertTrue(bytes[0] > 0, "a send stream");
                }

                // The broker comes back 45 s after it went away, three publish timeouts later.
                Duration away = Duration.ofSeconds(45).minusNanos(System.nanoTime() - down);
                if (!away.isNegative()) {
                    await("the broker stays down").pollDelay(away).atMost(away.plusSeconds(1)).until(() -> true);
                }
                kafka.restart(node);
                await("the version on disk published").atMost(Duration.ofSeconds(60))
                        .until(() -> master.republishState().startsWith("done: "));
                List<ImageVersionEvent> events = ImageVersionsTopic.events(kafka.bootstrapServers(), "ubuntu");
                assertEquals(List.of(1), events.stream().map(ImageVersionEvent::version).toList());
                assertEquals(v1.uuid(), ((ImageVersionPublished) events.get(0)).uuid());
            }
        }
    }

    private Map<String, Object> settings(Path pool, String bootstrapServers) {
        Map<String, Object> p = new HashMap<>();
        p.put("icbd.master.pool", pool.toString());
        p.put("icbd.master.name", "hq");
        p.put("icbd.master.ssh-host", "127.0.0.1");
        p.put("icbd.master.ssh-port", 0);
        p.put("icbd.master.host-key-file", tmp.resolve("host_key").toString());
        p.put("icbd.master.authorized-keys-file", tmp.resolve("authorized_keys").toString());
        p.put("icbd.master.kafka.bootstrap-servers", bootstrapServers);
        p.put("icbd.master.http-port", -1);
        p.put("icbd.master.stream-budget", 100_000_000L);
        return p;
    }
}
