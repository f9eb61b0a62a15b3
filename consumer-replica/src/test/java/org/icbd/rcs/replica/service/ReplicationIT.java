package org.icbd.rcs.replica.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.HookReport;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.ssh.SendSlots;
import org.icbd.rcs.replica.testing.MasterSite;
import org.icbd.rcs.replica.testing.ReplicaSite;
import org.icbd.rcs.testkit.KafkaProbe;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.MetricsScrape;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica service against the real things: a loop-mounted master pool served by the master's
 * SSH send service, a loop-mounted replica pool, and a Kafka broker. The test plays the planner.
 */
@Timeout(180)
class ReplicationIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final String IMAGE = "ubuntu";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private ReplicaSite replica;
    private MasterSite master;
    private KafkaProbe kafka;
    private String id;

    @BeforeEach
    void sites(TestInfo test) throws IOException {
        // One replica id per test: the broker and its topics are shared by the class.
        id = "r-" + test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "").substring(0, 12)
                + "-" + UUID.randomUUID().toString().substring(0, 4);
        replica = ReplicaSite.create(tmp.resolve("replica"), id, 256L << 20);
        master = MasterSite.start(tmp.resolve("master"), 256L << 20, replica.publicKeyLine());
        kafka = new KafkaProbe(KAFKA.bootstrapServers());
        replica.configure(master, KAFKA.bootstrapServers(), List.of(IMAGE + ":5"));
        master.init(IMAGE);
    }

    @AfterEach
    void cleanup() {
        try {
            if (replica != null) {
                replica.close();
            }
        } finally {
            try {
                if (master != null) {
                    master.close();
                }
            } finally {
                if (kafka != null) {
                    kafka.close();
                }
            }
        }
    }

    // ---- the master's side: versions with real file changes --------------------------------------

    private ImageVersion version1(long bigFileBytes) throws IOException {
        Path work = master.work(IMAGE);
        Trees.writeRandom(work.resolve("disk/template.img"), bigFileBytes, 1);
        Files.writeString(Files.createDirectories(work.resolve("boot")).resolve("package.cfg"), "kernel=6.1\n");
        Files.writeString(Files.createDirectories(work.resolve("services")).resolve("dhcp.conf"), "lease=1h\n");
        return master.publish(IMAGE);
    }

    /** Changes a stretch of the big file, edits, adds and deletes small ones. */
    private ImageVersion nextVersion(int n) throws IOException {
        Path work = master.work(IMAGE);
        Path big = work.resolve("disk/template.img");
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.WRITE)) {
            byte[] patch = new byte[512 * 1024];
            new java.util.Random(n).nextBytes(patch);
            ch.write(java.nio.ByteBuffer.wrap(patch), (long) n * 1024 * 1024);
        }
        Files.writeString(work.resolve("boot/package.cfg"), "kernel=6." + n + "\n");
        Files.writeString(work.resolve("services/added-in-" + n + ".conf"), "version " + n + "\n");
        Files.deleteIfExists(work.resolve("services/added-in-" + (n - 1) + ".conf"));
        return master.publish(IMAGE);
    }

    private static List<TransferStep> chain(List<ImageVersion> versions, boolean startFull) {
        List<TransferStep> steps = new ArrayList<>();
        for (int i = 0; i < versions.size(); i++) {
            ImageVersion v = versions.get(i);
            if (i == 0 && startFull) {
                steps.add(TransferStep.full(v.version(), v.uuid()));
            } else {
                ImageVersion p = i == 0 ? null : versions.get(i - 1);
                int pv = p != null ? p.version() : v.parentVersion().orElseThrow();
                String pu = p != null ? p.uuid() : v.parentUuid().orElseThrow();
                steps.add(TransferStep.delta(pv, pu, v.version(), v.uuid()));
            }
        }
        return steps;
    }

    private ReplicationTask task(String taskId, List<Integer> expectHave, List<TransferStep> steps,
                                 Compression compression) {
        return ReplicationTask.of(taskId, id, IMAGE, expectHave, steps, compression, Instant.now());
    }

    // ---- the replica's side ----------------------------------------------------------------------

    private ReplicaImageState awaitState(String what, java.util.function.Predicate<ReplicaImageState> condition) {
        ReplicaImageState[] found = new ReplicaImageState[1];
        await(what).atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (ReplicaImageState s : kafka.states(id, IMAGE)) {
                if (condition.test(s)) {
                    found[0] = s;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static boolean applied(ReplicaImageState s, String taskId, int version) {
        return s.lastStep().filter(l -> l.taskId().equals(taskId) && l.version() == version
                && l.outcome() == Outcome.APPLIED).isPresent() && s.transfer().isEmpty();
    }

    private static List<HeldVersion> held(ImageVersion... versions) {
        List<HeldVersion> held = new ArrayList<>();
        for (ImageVersion v : versions) {
            held.add(new HeldVersion(v.version(), v.uuid()));
        }
        return held;
    }

    private Map<Integer, UUID> replicaSubvolumeUuids(int... versions) {
        Map<Integer, UUID> uuids = new java.util.TreeMap<>();
        for (int v : versions) {
            uuids.put(v, btrfs.show(replica.versionDir(IMAGE, v)).uuid());
        }
        return uuids;
    }

    // ---- the tests -------------------------------------------------------------------------------

    @Test
    void aFullStepAndTwoDeltasArriveByteForByteWithTheMastersUuids() throws Exception {
        ImageVersion v1 = version1(48L << 20);
        ImageVersion v2 = nextVersion(2);
        ImageVersion v3 = nextVersion(3);
        replica.set("icbd.replica.http.port", -1).start();
        awaitState("the initial state from disk", s -> s.versions().isEmpty() && s.lastStep().isEmpty());
        await("registered").atMost(WAIT).until(() -> !kafka.registrations(id).isEmpty());
        assertEquals(Optional.of(Compression.LZ4), kafka.registrations(id).get(0).compression(),
                "the configured codec (the default) is announced");

        kafka.send(task("t-full", List.of(), chain(List.of(v1, v2, v3), true), Compression.LZ4));

        ReplicaImageState done = awaitState("version 3 applied", s -> applied(s, "t-full", 3));
        assertEquals(held(v1, v2, v3), done.versions());
        for (ImageVersion v : List.of(v1, v2, v3)) {
            Trees.assertSameTree(master.versionDir(IMAGE, v.version()), replica.versionDir(IMAGE, v.version()));
            assertTrue(btrfs.show(replica.versionDir(IMAGE, v.version())).readOnly());
        }
        assertEquals(List.of(), replica.stagingEntries());
        // Each step reported as it was promoted, in order, and progress was published while moving.
        List<Integer> appliedVersions = kafka.states(id, IMAGE).stream().map(ReplicaImageState::lastStep)
                .flatMap(Optional::stream).filter(l -> l.outcome() == Outcome.APPLIED).map(StepReport::version)
                .distinct().collect(Collectors.toList());
        assertEquals(List.of(1, 2, 3), appliedVersions);
        assertTrue(kafka.states(id, IMAGE).stream().anyMatch(s -> s.transfer().isPresent()), "progress published");

        // Its /metrics, scraped over HTTP, counts exactly those three steps and the bytes they reported.
        String base = "http://127.0.0.1:" + replica.application().httpPort().orElseThrow();
        MetricsScrape metrics = MetricsScrape.of(URI.create(base + "/metrics"));
        assertEquals(3, metrics.require("icbd_replica_steps_total", "outcome", "applied", "error_class", "none"));
        assertEquals(0, metrics.require("icbd_replica_steps_total", "outcome", "failed", "error_class", "transient"));
        long reported = kafka.states(id, IMAGE).stream().map(ReplicaImageState::lastStep).flatMap(Optional::stream)
                .filter(l -> l.outcome() == Outcome.APPLIED).collect(Collectors.toMap(StepReport::version,
                        StepReport::bytes, (a, b) -> a)).values().stream().mapToLong(Long::longValue).sum();
        assertEquals(reported, (long) metrics.require("icbd_replica_received_bytes_total"));
        assertEquals(0, metrics.require("icbd_replica_lag_versions", "image", IMAGE));
        double lastSuccess = metrics.require("icbd_replica_last_success_seconds", "image", IMAGE);
        assertTrue(Math.abs(lastSuccess - Instant.now().getEpochSecond()) < 600, "unix time: " + lastSuccess);
        assertTrue(metrics.require("icbd_replica_transfer_rate_bytes_per_second") > 0);
        java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"status\":\"ok\""), health.body());
        await("a heartbeat").atMost(WAIT).until(() -> kafka.registrations(id).size() >= 2);
        assertTrue(kafka.registrations(id).stream()
                .allMatch(r -> r.compression().equals(Optional.of(Compression.LZ4))), "every heartbeat repeats the codec");
    }

    @Test
    void aTaskDeliveredTwiceOrWithAStaleExpectationChangesNothing() throws IOException {
        ImageVersion v1 = version1(2L << 20);
        ImageVersion v2 = nextVersion(2);
        replica.start();
        ReplicationTask t1 = task("t-once", List.of(), chain(List.of(v1, v2), true), Compression.NONE);
        kafka.send(t1);
        awaitState("version 2 applied", s -> applied(s, "t-once", 2));
        Map<Integer, UUID> before = replicaSubvolumeUuids(1, 2);
        int reports = kafka.states(id, IMAGE).size();

        kafka.send(t1);
        kafka.send(task("t-stale", List.of(1), List.of(TransferStep.delta(1, v1.uuid(), 3,
                "00000000-0000-0000-0000-000000000003")), Compression.NONE));
        kafka.send(task("t-stale-empty", List.of(), chain(List.of(v1), true), Compression.NONE));

        await("three more reports").atMost(WAIT).until(() -> kafka.states(id, IMAGE).size() >= reports + 3);
        for (ReplicaImageState s : kafka.states(id, IMAGE).subList(reports, reports + 3)) {
            assertEquals(held(v1, v2), s.versions(), "every report shows the disk as it is");
            assertEquals(Optional.of("t-once"), s.lastStep().map(StepReport::taskId), "no new step");
        }
        assertEquals(before, replicaSubvolumeUuids(1, 2), "the same subvolumes, untouched");
        assertEquals(List.of(), replica.stagingEntries());
    }

    @Test
    void aConnectionCutMidStreamIsTransientCleanAndRetried() throws IOException {
        ImageVersion v1 = version1(16L << 20);
        replica.start();
        AtomicInteger sends = new AtomicInteger();
        master.filter((wire, context) -> sends.incrementAndGet() == 1
                ? MasterSite.cutAfter(4L << 20).wrap(wire, context) : wire);

        kafka.send(task("t-cut", List.of(), chain(List.of(v1), true), Compression.NONE));

        ReplicaImageState failed = awaitState("the transient failure", s -> s.lastStep()
                .filter(l -> l.outcome() == Outcome.FAILED).isPresent());
        StepReport step = failed.lastStep().orElseThrow();
        assertEquals(Optional.of(ErrorClass.TRANSIENT), step.errorClass());
        assertTrue(step.error().orElseThrow().contains("retrying"), step.error().get());
        assertEquals(List.of(), failed.versions(), "nothing promoted from a cut stream");

        ReplicaImageState done = awaitState("the retry applied", s -> applied(s, "t-cut", 1));
        assertEquals(held(v1), done.versions());
        Trees.assertSameTree(master.versionDir(IMAGE, 1), replica.versionDir(IMAGE, 1));
        assertEquals(List.of(), replica.stagingEntries());
        assertEquals(2, sends.get(), "one cut attempt, one good one");
    }

    /**
     * The master down for longer than all the quick retries take: the replica keeps retrying at its
     * capped backoff (1 s here), so the step applies within seconds of the master coming back, not at
     * the planner's stall deadline.
     */
    @Test
    void aMasterDownLongerThanTheQuickRetriesIsCaughtUpSoonAfterItReturns() throws IOException {
        ImageVersion v1 = version1(4L << 20);
        master.stopSsh();
        replica.start();

        kafka.send(task("t-down", List.of(), chain(List.of(v1), true), Compression.NONE));
        ReplicaImageState failed = awaitState("a transient failure", s -> s.lastStep()
                .filter(l -> l.outcome() == Outcome.FAILED).isPresent());
        assertEquals(Optional.of(ErrorClass.TRANSIENT), failed.lastStep().orElseThrow().errorClass());
        // Longer than 200 ms + 400 ms + 800 ms, the backoff of the four attempts this replica is set to.
        await("the master stays down").pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(21))
                .until(() -> true);
        master.startSsh();
        Instant back = Instant.now();

        ReplicaImageState done = awaitState("the step applied after the master returned", s -> applied(s, "t-down", 1));
        Duration converged = Duration.between(back, Instant.now());
        assertTrue(converged.compareTo(Duration.ofSeconds(60)) < 0, "converged " + converged + " after the master"
                + " returned, well within the planner's 5-minute stall deadline");
        assertEquals(held(v1), done.versions());
        Trees.assertSameTree(master.versionDir(IMAGE, 1), replica.versionDir(IMAGE, 1));
    }

    /** A full pool: the step fails saying so (pool, free bytes), nothing held is touched, and it applies once space returns. */
    @Test
    void aFullPoolFailsSayingSoAndTheStepAppliesOnceSpaceReturns() throws IOException {
        ImageVersion v1 = version1(4L << 20);
        replica.start();
        kafka.send(task("t-v1", List.of(), chain(List.of(v1), true), Compression.NONE));
        awaitState("version 1 applied", s -> applied(s, "t-v1", 1));
        ImageVersion v2 = nextVersion(2);
        Trees.writeRandom(master.work(IMAGE).resolve("disk/more.img"), 48L << 20, 7);
        ImageVersion v3 = master.publish(IMAGE);

        // Fill the replica's pool, leaving far less than version 3's 48 MiB of new data.
        Path filler = replica.root().resolve("filler");
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(1 << 20);
            new java.util.Random(3).nextBytes(chunk.array());
            try {
                while (true) {
                    chunk.rewind();
                    ch.write(chunk);
                }
            } catch (IOException full) {
                // ENOSPC: the pool is full.
            }
        }
        kafka.send(task("t-full", List.of(1), chain(List.of(v2, v3), false), Compression.NONE));

        ReplicaImageState failed = awaitState("the disk-full failure", s -> s.lastStep()
                .filter(l -> l.taskId().equals("t-full") && l.outcome() == Outcome.FAILED).isPresent());
        String error = failed.lastStep().orElseThrow().error().orElseThrow();
        assertTrue(error.contains("ENOSPC") && error.contains(replica.root().toString()) && error.contains("bytes free"),
                error);
        assertTrue(failed.versions().containsAll(held(v1)), "version 1 is still held: " + failed.versions());
        Trees.assertSameTree(master.versionDir(IMAGE, 1), replica.versionDir(IMAGE, 1));

        Files.delete(filler);
        ReplicaImageState done = awaitState("version 3 applied once space returned", s -> applied(s, "t-full", 3));
        assertTrue(done.versions().containsAll(held(v3)), done.versions().toString());
        Trees.assertSameTree(master.versionDir(IMAGE, 3), replica.versionDir(IMAGE, 3));
        assertEquals(List.of(), replica.stagingEntries());
    }

    @Test
    void aStalledStreamIsAbandonedAsTransientAndRetried() throws IOException {
        ImageVersion v1 = version1(4L << 20);
        replica.stop();
        replica.set("icbd.replica.ssh.stall-timeout", "2s").start();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger sends = new AtomicInteger();
        master.filter((wire, context) -> sends.incrementAndGet() == 1
                ? MasterSite.hangAfter(1L << 20, release).wrap(wire, context) : wire);
        try {
            kafka.send(task("t-stall", List.of(), chain(List.of(v1), true), Compression.NONE));
            ReplicaImageState failed = awaitState("the stall", s -> s.lastStep()
                    .filter(l -> l.outcome() == Outcome.FAILED).isPresent());
            StepReport step = failed.lastStep().orElseThrow();
            assertEquals(Optional.of(ErrorClass.TRANSIENT), step.errorClass());
            assertTrue(step.error().orElseThrow().contains("stalled"), step.error().get());
        } finally {
            release.countDown();
        }
        awaitState("the retry applied", s -> applied(s, "t-stall", 1));
        Trees.assertSameTree(master.versionDir(IMAGE, 1), replica.versionDir(IMAGE, 1));
        assertEquals(List.of(), replica.stagingEntries());
    }

    @Test
    void bytesCorruptedOnTheWayAreReportedCorruptNeverPromotedAndTheStepArrivesFromZero() throws IOException {
        ImageVersion v1 = version1(1L << 20);
        replica.start();
        kafka.send(task("t-good", List.of(), chain(List.of(v1), true), Compression.NONE));
        awaitState("version 1 applied", s -> applied(s, "t-good", 1));
        Map<Integer, UUID> before = replicaSubvolumeUuids(1);

        Trees.writeRandom(master.work(IMAGE).resolve("disk/new-layer.img"), 4L << 20, 9);
        ImageVersion v2 = master.publish(IMAGE);
        // The first send has one byte flipped after the master's store: the master's SHA-256 is right.
        AtomicInteger sends = new AtomicInteger();
        master.filter((wire, context) -> sends.incrementAndGet() == 1
                ? MasterSite.flipByteAt(1L << 20).wrap(wire, context) : wire);
        kafka.send(task("t-corrupt", List.of(1), chain(List.of(v2), false), Compression.NONE));

        ReplicaImageState failed = awaitState("the corruption", s -> s.lastStep()
                .filter(l -> l.taskId().equals("t-corrupt") && l.outcome() == Outcome.FAILED).isPresent());
        StepReport step = failed.lastStep().orElseThrow();
        assertEquals(Optional.of(ErrorClass.CORRUPT), step.errorClass(), step.error().orElse(""));
        assertTrue(step.error().orElseThrow().contains("sha256"), step.error().get());
        assertEquals(held(v1), failed.versions(), "nothing promoted from the bad bytes");
        assertEquals(before, replicaSubvolumeUuids(1));

        awaitState("version 2 applied from 0", s -> applied(s, "t-corrupt", 2));
        Trees.assertSameTree(master.versionDir(IMAGE, 2), replica.versionDir(IMAGE, 2));
        Trees.assertSameTree(master.versionDir(IMAGE, 1), replica.versionDir(IMAGE, 1));
        assertEquals(List.of(), replica.stagingEntries());
    }

    @Test
    void thePostApplyHookRunsOncePerPromotionAfterCurrentSwitchedAndItsFailureIsOnlyReported() throws IOException {
        Path calls = tmp.resolve("hook-calls");
        Path current = replica.root().resolve("images").resolve(IMAGE).resolve("current");
        // The hook's own executable (argv[0], run directly): it records its environment and where
        // current points while it runs, and fails for version 2.
        Path hook = Files.writeString(tmp.resolve("reload-exports"), "#!/bin/sh\n"
                + "printf '%s %s %s %s\\n' \"$ICBD_IMAGE\" \"$ICBD_VERSION\" \"$ICBD_PATH\" \"$(readlink \"$2\")\""
                + " >> \"$1\"\n"
                + "[ \"$ICBD_VERSION\" != 2 ] || { echo 'exportfs: /srv/icbd busy' >&2; exit 3; }\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        replica.set("icbd.replica.post-apply.command", List.of(hook.toString(), calls.toString(), current.toString()));
        replica.set("icbd.replica.post-apply.timeout", "20s");
        ImageVersion v1 = version1(1L << 20);
        ImageVersion v2 = nextVersion(2);
        ImageVersion v3 = nextVersion(3);
        replica.start();
        ReplicationTask t = task("t-hook", List.of(), chain(List.of(v1, v2, v3), true), Compression.LZ4);
        kafka.send(t);

        ReplicaImageState failedHook = awaitState("version 2 applied", s -> applied(s, "t-hook", 2));
        assertEquals(held(v1, v2), failedHook.versions(), "a failed hook does not undo the version");
        HookReport report = failedHook.lastStep().orElseThrow().hook().orElseThrow();
        assertEquals(Optional.of(3), report.exitCode());
        assertTrue(report.error().orElseThrow().contains("exportfs: /srv/icbd busy"), report.error().get());
        ReplicaImageState done = awaitState("version 3 applied", s -> applied(s, "t-hook", 3));
        assertEquals(held(v1, v2, v3), done.versions());
        assertTrue(done.lastStep().orElseThrow().hook().orElseThrow().ok(), done.toString());
        assertEquals(Path.of("versions/3"), Files.readSymbolicLink(current));
        List<String> expected = new ArrayList<>();
        for (int v = 1; v <= 3; v++) {
            expected.add(IMAGE + " " + v + " " + replica.versionDir(IMAGE, v) + " versions/" + v);
        }
        assertEquals(expected, Files.readAllLines(calls), "once per promotion, after current switched");

        // A redelivered task promotes nothing, so runs no hook.
        int reports = kafka.states(id, IMAGE).size();
        kafka.send(t);
        await("the disk reported again").atMost(WAIT).until(() -> kafka.states(id, IMAGE).size() > reports);
        assertEquals(expected, Files.readAllLines(calls));
    }

    @Test
    void retentionKeepsExactlyKeepAndNeverTheNewest() throws IOException {
        replica.stop();
        replica.set("icbd.replica.subscriptions", IMAGE + ":2");
        ImageVersion v1 = version1(1L << 20);
        ImageVersion v2 = nextVersion(2);
        ImageVersion v3 = nextVersion(3);
        replica.start();
        kafka.send(task("t-123", List.of(), chain(List.of(v1, v2, v3), true), Compression.LZ4));
        ReplicaImageState pruned = awaitState("pruned to two", s -> s.versions().equals(held(v2, v3)));
        assertEquals(Optional.of("t-123"), pruned.lastStep().map(StepReport::taskId));
        assertFalse(Files.exists(replica.versionDir(IMAGE, 1)));

        ImageVersion v4 = nextVersion(4);
        kafka.send(task("t-4", List.of(2, 3), chain(List.of(v4), false), Compression.LZ4));
        awaitState("pruned to two again", s -> s.versions().equals(held(v3, v4)));
        Trees.assertSameTree(master.versionDir(IMAGE, 4), replica.versionDir(IMAGE, 4));
        Trees.assertSameTree(master.versionDir(IMAGE, 3), replica.versionDir(IMAGE, 3));
    }

    @Test
    void unreadableRecordsGoToDeadLettersAndOtherReplicasTasksAreSkipped() throws IOException {
        ImageVersion v1 = version1(1L << 20);
        replica.start();
        awaitState("the initial state", s -> s.versions().isEmpty());
        kafka.sendRaw(id, "{not json".getBytes(StandardCharsets.UTF_8));
        kafka.sendRaw(id, "{\"schemaVersion\":99}".getBytes(StandardCharsets.UTF_8));
        kafka.send(ReplicationTask.of("t-other", "someone-else", IMAGE, List.of(), chain(List.of(v1), true),
                Compression.NONE, Instant.now()));
        kafka.send(task("t-after", List.of(), chain(List.of(v1), true), Compression.NONE));

        awaitState("the loop survived", s -> applied(s, "t-after", 1));
        List<DeadLetter> letters = kafka.deadLetters(id);
        assertEquals(2, letters.size(), letters.toString());
        assertTrue(letters.get(0).reason().contains("not JSON"), letters.get(0).reason());
        assertEquals(Optional.of("{not json"), letters.get(0).value());
        assertTrue(letters.get(1).reason().contains("schemaVersion 99"), letters.get(1).reason());
        assertTrue(kafka.states("someone-else", IMAGE).isEmpty(), "another replica's task was not run here");
    }

    @Test
    void twoReplicasInOneJvmEachApplyTheirOwnTask() throws IOException {
        ImageVersion v1 = version1(4L << 20);
        ImageVersion v2 = nextVersion(2);
        String otherId = id + "-b";
        try (ReplicaSite other = ReplicaSite.create(tmp.resolve("replica-b"), otherId, 256L << 20)) {
            master.authorize(other.publicKeyLine());
            other.configure(master, KAFKA.bootstrapServers(), List.of(IMAGE + ":5")).start();
            replica.start();
            kafka.send(task("t-a", List.of(), chain(List.of(v1, v2), true), Compression.LZ4));
            kafka.send(ReplicationTask.of("t-b", otherId, IMAGE, List.of(), chain(List.of(v1, v2), true),
                    Compression.NONE, Instant.now()));
            awaitState("replica a applied version 2", s -> applied(s, "t-a", 2));
            await("replica b applied version 2").atMost(WAIT).until(() -> kafka.states(otherId, IMAGE).stream()
                    .anyMatch(s -> applied(s, "t-b", 2) && s.versions().equals(held(v1, v2))));
            Trees.assertSameTree(master.versionDir(IMAGE, 2), replica.versionDir(IMAGE, 2));
            Trees.assertSameTree(master.versionDir(IMAGE, 2), other.versionDir(IMAGE, 2));
            // Neither ran the other's task.
            assertTrue(kafka.states(id, IMAGE).stream().flatMap(s -> s.lastStep().stream())
                    .noneMatch(l -> l.taskId().equals("t-b")));
        }
    }

    @Test
    void waitingInTheMastersQueueIsNotAStall() throws IOException {
        ImageVersion v1 = version1(1L << 20);
        replica.stop();
        replica.set("icbd.replica.ssh.stall-timeout", "2s").start();
        int reports = kafka.states(id, IMAGE).size();
        List<SendSlots.Slot> held = new ArrayList<>();
        try {
            // Every slot busy: the master tells the replica it waits, and holds it in its queue.
            master.slots().tryAcquire().ifPresent(held::add);
            while (master.slots().inUse() < master.slots().max()) {
                master.slots().tryAcquire().ifPresent(held::add);
            }
            kafka.send(task("t-queued", List.of(), chain(List.of(v1), true), Compression.NONE));
            await("no failure while queued, well past the stall timeout").during(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(15)).until(() -> kafka.states(id, IMAGE).stream().skip(reports)
                            .noneMatch(s -> s.lastStep().filter(l -> l.outcome() == Outcome.FAILED).isPresent()));
        } finally {
            held.forEach(SendSlots.Slot::close);
        }
        ReplicaImageState done = awaitState("applied once a slot came free", s -> applied(s, "t-queued", 1));
        assertEquals(held(v1), done.versions());
    }

    @Test
    void aWrongPinnedHostKeyIsPermanentAndNothingIsReceived() throws IOException {
        ImageVersion v1 = version1(1L << 20);
        replica.set("icbd.replica.master.host-key", org.icbd.rcs.testkit.TestKeys.publicLine(
                org.icbd.rcs.testkit.TestKeys.generate()));
        replica.set("icbd.replica.http.port", -1).start();
        kafka.send(task("t-pin", List.of(), chain(List.of(v1), true), Compression.NONE));
        ReplicaImageState failed = awaitState("the refusal", s -> s.lastStep()
                .filter(l -> l.outcome() == Outcome.FAILED).isPresent());
        assertEquals(Optional.of(ErrorClass.PERMANENT), failed.lastStep().orElseThrow().errorClass());
        assertTrue(failed.lastStep().get().error().orElseThrow().contains("host key"), failed.lastStep().get().error().get());
        assertEquals(List.of(), failed.versions());
        MetricsScrape metrics = MetricsScrape.of(URI.create("http://127.0.0.1:"
                + replica.application().httpPort().orElseThrow() + "/metrics"));
        assertEquals(1, metrics.require("icbd_replica_steps_total", "outcome", "failed", "error_class", "permanent"));
        assertEquals(0, metrics.require("icbd_replica_steps_total", "outcome", "applied", "error_class", "none"));
        assertEquals(1, metrics.require("icbd_replica_lag_versions", "image", IMAGE));
    }

    @Test
    void aKeyTheMasterDoesNotAuthoriseIsPermanentAndNothingIsReceived() throws IOException {
        ImageVersion v1 = version1(1L << 20);
        Path otherKey = org.icbd.rcs.testkit.TestKeys.writePrivate(
                org.icbd.rcs.testkit.TestKeys.generate(), tmp.resolve("unauthorised_key"));
        replica.set("icbd.replica.ssh.private-key-file", otherKey.toString());
        replica.start();
        kafka.send(task("t-auth", List.of(), chain(List.of(v1), true), Compression.NONE));
        ReplicaImageState failed = awaitState("the refusal", s -> s.lastStep()
                .filter(l -> l.outcome() == Outcome.FAILED).isPresent());
        assertEquals(Optional.of(ErrorClass.PERMANENT), failed.lastStep().orElseThrow().errorClass());
        assertTrue(failed.lastStep().get().error().orElseThrow().contains("did not accept this replica's key"),
                failed.lastStep().get().error().get());
        assertEquals(List.of(), failed.versions());
    }
}
