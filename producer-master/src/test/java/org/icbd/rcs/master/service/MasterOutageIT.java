package org.icbd.rcs.master.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.ssh.SendExitStatus;
import org.icbd.rcs.master.testing.InProcessMaster;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.ImageVersionsTopic;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;

/**
 * A master started while its broker is down starts anyway (its SSH service serves from the disk),
 * says what it waits for, and brings the topic into agreement with its disk once the broker is back,
 * well after its publish timeout.
 */
class MasterOutageIT {

    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(5);

    @Test
    void aMasterStartedWhileTheBrokerIsDownReconcilesWhenItReturns() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(); InProcessMaster site = InProcessMaster.create("outage")) {
            kafka.ensureTopics(Topics.ALL, 1);
            ImageRepository repository = site.repository();
            Path work = repository.init("ubuntu");
            Files.writeString(work.resolve("f"), "one");
            ImageVersion v1 = repository.snapshotNext("ubuntu"); // on disk, never published
            ClientKeys keys = site.keys();

            int node = kafka.nodeIds().get(0);
            kafka.stop(node);
            long down = System.nanoTime();
            try (ApplicationContext context = site.start(settings(site, kafka.bootstrapServers()))) {
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

                // The broker comes back four publish timeouts after it went away.
                Duration away = PUBLISH_TIMEOUT.multipliedBy(4).minusNanos(System.nanoTime() - down);
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

    private static Map<String, Object> settings(InProcessMaster site, String bootstrapServers) {
        Map<String, Object> p = site.settings(bootstrapServers);
        p.put("icbd.master.publish-timeout", PUBLISH_TIMEOUT.toSeconds() + "s");
        p.put("icbd.master.stream-budget", 100_000_000L);
        return p;
    }
}
