package org.icbd.rcs.replica.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.localkafka.LocalKafkaExtension;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.replica.testing.KafkaProbe;
import org.icbd.rcs.replica.testing.MasterSite;
import org.icbd.rcs.replica.testing.ReplicaSite;
import org.icbd.rcs.replica.testing.Trees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in measurement of one full step through the whole replica (SSH, optional LZ4, btrfs receive,
 * verify, promote): {@code -Dicbd.replica.bench.mib=1024}. Skipped otherwise, to keep the build short.
 */
class FullStepThroughputIT {

    private static final Logger log = LoggerFactory.getLogger(FullStepThroughputIT.class);

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    @TempDir
    Path tmp;

    @Test
    void fullStep() throws IOException {
        long mib = Long.getLong("icbd.replica.bench.mib", 0);
        assumeTrue(mib > 0, "set -Dicbd.replica.bench.mib to measure");
        long poolBytes = (mib + 512) << 20;
        try (ReplicaSite replica = ReplicaSite.create(tmp.resolve("replica"), "bench", poolBytes);
             MasterSite master = MasterSite.start(tmp.resolve("master"), poolBytes, replica.publicKeyLine());
             KafkaProbe kafka = new KafkaProbe(KAFKA.bootstrapServers())) {
            master.init("bench");
            Trees.writeRandom(master.work("bench").resolve("disk.img"), mib << 20, 11);
            ImageVersion v1 = master.publish("bench");
            replica.configure(master, KAFKA.bootstrapServers(), List.of("bench:5"))
                    .set("icbd.replica.progress-interval", "2s").start();
            int n = 0;
            for (Compression compression : List.of(Compression.NONE, Compression.LZ4)) {
                String taskId = "bench-" + compression.code();
                // The second run repeats the full step on an empty replica: the first version is retired here.
                if (n++ > 0) {
                    replica.stop();
                    new org.icbd.rcs.btrfs.BtrfsTool(new org.icbd.rcs.command.CommandRunner())
                            .deleteSubvolume(replica.versionDir("bench", 1));
                    replica.start();
                }
                kafka.send(ReplicationTask.of(taskId, "bench", "bench", List.of(),
                        List.of(TransferStep.full(1, v1.uuid())), compression, Instant.now()));
                ReplicaImageState[] done = new ReplicaImageState[1];
                await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    for (ReplicaImageState s : kafka.states("bench", "bench")) {
                        if (s.lastStep().filter(l -> l.taskId().equals(taskId) && l.outcome() == Outcome.APPLIED)
                                .isPresent()) {
                            done[0] = s;
                            return true;
                        }
                    }
                    return false;
                });
                StepReport step = done[0].lastStep().orElseThrow();
                log.info("full step of {} MiB, compression {}: {} wire bytes in {} ms = {} MB/s (of the image's bytes)",
                        mib, compression, step.bytes(), step.millis(),
                        String.format("%.0f", (mib << 20) / 1e6 / (step.millis() / 1000.0)));
                Trees.assertSameTree(master.versionDir("bench", 1), replica.versionDir("bench", 1));
                assertEquals(1, done[0].versions().size());
            }
        }
    }
}
