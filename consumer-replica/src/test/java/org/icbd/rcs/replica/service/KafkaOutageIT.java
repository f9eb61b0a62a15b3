package org.icbd.rcs.replica.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.replica.testing.MasterSite;
import org.icbd.rcs.replica.testing.ReplicaSite;
import org.icbd.rcs.testkit.KafkaProbe;
import org.icbd.rcs.testkit.Trees;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica started while its broker is down rides out the outage: it waits, saying what for, and
 * starts (registers, reports, applies tasks) once the broker is back, well after its ack timeout.
 */
class KafkaOutageIT {

    private static final String IMAGE = "ubuntu";
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path tmp;

    @Test
    void aReplicaStartedWhileTheBrokerIsDownStartsWhenItReturns() throws IOException {
        try (LocalKafka kafka = LocalKafka.start();
             ReplicaSite replica = ReplicaSite.create(tmp.resolve("replica"), "r-outage", 256L << 20);
             MasterSite master = MasterSite.start(tmp.resolve("master"), 256L << 20, replica.publicKeyLine())) {
            kafka.ensureTopics(Topics.ALL, 1);
            replica.configure(master, kafka.bootstrapServers(), List.of(IMAGE + ":3"))
                    .set("icbd.replica.kafka.ack-timeout", ACK_TIMEOUT.toSeconds() + "s");
            master.init(IMAGE);
            java.nio.file.Files.writeString(master.work(IMAGE).resolve("f"), "one\n");
            ImageVersion v1 = master.publish(IMAGE);

            int node = kafka.nodeIds().get(0);
            kafka.stop(node);
            CompletableFuture<Void> started = CompletableFuture.runAsync(replica::start);
            try {
                // Four of the replica's ack timeouts: it must still be waiting, not failed.
                Duration away = ACK_TIMEOUT.multipliedBy(4);
                await("the broker stays down").pollDelay(away).atMost(away.plusSeconds(1))
                        .until(() -> true);
                assertFalse(started.isDone(), () -> "the replica gave up: " + started.handle((v, e) -> e).join());
            } finally {
                kafka.restart(node);
            }
            started.orTimeout(120, java.util.concurrent.TimeUnit.SECONDS).join();
            assertTrue(replica.application() != null, "the replica runs");

            try (KafkaProbe probe = new KafkaProbe(kafka.bootstrapServers())) {
                await("the registration").atMost(Duration.ofSeconds(60))
                        .until(() -> !probe.registrations("r-outage").isEmpty());
                probe.send(ReplicationTask.of("t-outage", "r-outage", IMAGE, List.of(),
                        List.of(TransferStep.full(v1.version(), v1.uuid())), Compression.NONE, java.time.Instant.now()));
                await("the task applied").atMost(Duration.ofSeconds(60)).until(() -> probe.states("r-outage", IMAGE)
                        .stream().anyMatch(s -> s.lastStep().filter(l -> l.outcome() == Outcome.APPLIED).isPresent()));
            }
            Trees.assertSameTree(master.versionDir(IMAGE, 1), replica.versionDir(IMAGE, 1));
            assertEquals(List.of(), replica.stagingEntries(), "nothing left in staging");
        }
    }
}
