package org.icbd.rcs.planner.topology;

import static org.icbd.rcs.planner.topology.PlannerDriver.uuid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planner topology, driven through {@code TopologyTestDriver}: inputs as the master and the
 * replicas write them, outputs as the replicas and operators read them.
 */
class PlannerTopologyTest {

    private static final Duration OFFLINE_AFTER = Duration.ofSeconds(30);
    private static final Duration STALL_DEADLINE = Duration.ofMinutes(5);
    private static final TopologySettings SETTINGS = new TopologySettings(OFFLINE_AFTER, STALL_DEADLINE,
            Compression.LZ4, Duration.ofSeconds(1));

    @TempDir
    Path stateDir;

    private PlannerDriver planner;

    @BeforeEach
    void start() {
        planner = new PlannerDriver(stateDir, SETTINGS);
    }

    @AfterEach
    void stop() {
        planner.close();
    }

    @Test
    void newVersionsBecomeTasksForSubscribedReplicasOnly() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.register("lab-b", "lab", new Subscription("debian", 2));
        planner.register("lab-c", "hall", new Subscription("ubuntu", 1), new Subscription("debian", 1));
        planner.drain();

        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.publish("ubuntu", 3);
        planner.publish("ubuntu", 4);

        List<ReplicationTask> tasks = planner.tasks();
        ReplicationTask a = last(tasks, "lab-a");
        assertEquals("lab-a", a.replicaId());
        assertEquals("ubuntu", a.image());
        assertEquals(List.of(), a.expectHave());
        assertEquals(List.of(TransferStep.full(2, uuid("ubuntu", 2)),
                TransferStep.delta(2, uuid("ubuntu", 2), 3, uuid("ubuntu", 3)),
                TransferStep.delta(3, uuid("ubuntu", 3), 4, uuid("ubuntu", 4))), a.steps());
        assertEquals(Compression.LZ4, a.compression());
        assertEquals(List.of(TransferStep.full(4, uuid("ubuntu", 4))), last(tasks, "lab-c").steps());
        assertTrue(tasks.stream().noneMatch(t -> t.replicaId().equals("lab-b")), "lab-b subscribes to debian only");
        assertTrue(tasks.stream().allMatch(t -> t.image().equals("ubuntu")));
        // One task per new version and replica, ids counting per pair.
        assertEquals(List.of("lab-a/ubuntu/1", "lab-c/ubuntu/1", "lab-a/ubuntu/2", "lab-c/ubuntu/2",
                "lab-a/ubuntu/3", "lab-c/ubuntu/3", "lab-a/ubuntu/4", "lab-c/ubuntu/4"),
                tasks.stream().map(ReplicationTask::taskId).toList());

        ReplicationStatus status = lastStatus(planner.statuses(), "lab-a/ubuntu");
        assertEquals(ReplicationState.BEHIND, status.state());
        assertEquals(Optional.of(4), status.latest());
        assertEquals(List.of(2, 3, 4), status.missing());
        assertEquals(4, status.lagVersions());
        assertEquals("lab", status.site());
    }

    @Test
    void eachReplicasTasksAskForTheCodecItAnnouncedElseTheConfiguredOne() {
        planner.register("lab-a", "lab", Optional.of(Compression.NONE), new Subscription("ubuntu", 2));
        planner.register("lab-b", "lab", Optional.of(Compression.LZ4), new Subscription("ubuntu", 2));
        planner.register("lab-d", "lab", Optional.of(Compression.ZSTD), new Subscription("ubuntu", 2));
        // A replica of the build before the preference existed: its registration has no such field.
        planner.pipeRaw(Topics.REPLICAS, "lab-c", """
                {"schemaVersion":1,"replicaId":"lab-c","site":"hall","subscriptions":[{"image":"ubuntu","keep":2}],
                 "sshUser":"icbd","publicKeyFingerprint":"SHA256:test","software":"icbd-rcs 0.1.0",
                 "lastSeen":"%s"}""".formatted(planner.now()));
        planner.drain();

        planner.publish("ubuntu", 1);

        List<ReplicationTask> tasks = planner.tasks();
        assertEquals(4, tasks.size());
        assertEquals(Compression.NONE, last(tasks, "lab-a").compression());
        assertEquals(Compression.LZ4, last(tasks, "lab-b").compression());
        assertEquals(Compression.ZSTD, last(tasks, "lab-d").compression());
        assertEquals(SETTINGS.compression(), last(tasks, "lab-c").compression(), "no preference: the planner's");
        assertEquals(List.of(), planner.deadLetters());
    }

    @Test
    void aChangedCodecPreferenceAloneIssuesNothingAndTheNextTaskAsksForIt() {
        planner.register("lab-a", "lab", Optional.of(Compression.LZ4), new Subscription("ubuntu", 2));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu");
        ReplicationTask first = single(planner.tasks());
        assertEquals(Compression.LZ4, first.compression());
        planner.drain();

        planner.advance(Duration.ofSeconds(1));
        planner.announce("lab-a", Optional.of(Compression.NONE));
        assertEquals(List.of(), planner.tasks(), "the outstanding task keeps its codec");
        assertEquals(List.of(), planner.statuses(), "a codec is nothing an operator's status shows");

        planner.report("lab-a", "ubuntu", List.of(1),
                Optional.of(StepReport.applied(first.taskId(), 1, 4096, 120)), Optional.empty());
        planner.publish("ubuntu", 2);
        ReplicationTask next = single(planner.tasks());
        assertEquals(List.of(TransferStep.delta(1, uuid("ubuntu", 1), 2, uuid("ubuntu", 2))), next.steps());
        assertEquals(Compression.NONE, next.compression());

        // Back to no preference: the configured codec again.
        planner.advance(Duration.ofSeconds(1));
        planner.announce("lab-a", Optional.empty());
        planner.report("lab-a", "ubuntu", List.of(1, 2),
                Optional.of(StepReport.applied(next.taskId(), 2, 512, 30)), Optional.empty());
        planner.publish("ubuntu", 3);
        assertEquals(SETTINGS.compression(), single(planner.tasks()).compression());
    }

    @Test
    void versionsPublishedBeforeTheRegistrationArePlannedAtRegistration() {
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        assertEquals(List.of(), planner.tasks());

        planner.register("lab-a", "lab", new Subscription("ubuntu", 5));

        List<ReplicationTask> tasks = planner.tasks();
        assertEquals(1, tasks.size());
        assertEquals(List.of(TransferStep.full(1, uuid("ubuntu", 1)),
                TransferStep.delta(1, uuid("ubuntu", 1), 2, uuid("ubuntu", 2))), tasks.get(0).steps());
    }

    @Test
    void aReportAfterApplyingLeadsToTheNextTaskOrToInSync() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 2));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu");
        ReplicationTask full = single(planner.tasks());
        planner.drain();

        planner.advance(Duration.ofSeconds(3));
        planner.report("lab-a", "ubuntu", List.of(1),
                Optional.of(StepReport.applied(full.taskId(), 1, 4096, 120)), Optional.empty());
        assertEquals(List.of(), planner.tasks());
        ReplicationStatus inSync = single(planner.statusValues());
        assertEquals(ReplicationState.IN_SYNC, inSync.state());
        assertEquals(List.of(1), inSync.have());
        assertEquals(List.of(), inSync.missing());
        assertEquals(0, inSync.lagVersions());
        assertEquals(Optional.of(planner.now()), inSync.lastAppliedAt());
        Instant appliedAt = planner.now();

        planner.advance(Duration.ofSeconds(3));
        planner.heartbeat("lab-a");
        planner.publish("ubuntu", 2);
        ReplicationTask delta = single(planner.tasks());
        assertEquals(List.of(1), delta.expectHave());
        assertEquals(List.of(TransferStep.delta(1, uuid("ubuntu", 1), 2, uuid("ubuntu", 2))), delta.steps());
        ReplicationStatus behind = single(planner.statusValues());
        assertEquals(ReplicationState.BEHIND, behind.state());
        assertEquals(List.of(2), behind.missing());
        assertEquals(1, behind.lagVersions());
        assertEquals(Optional.of(appliedAt), behind.lastAppliedAt());

        planner.report("lab-a", "ubuntu", List.of(1, 2),
                Optional.of(StepReport.applied(delta.taskId(), 2, 512, 30)), Optional.empty());
        assertEquals(List.of(), planner.tasks());
        assertEquals(ReplicationState.IN_SYNC, single(planner.statusValues()).state());
    }

    @Test
    void aReplicaWorkingThroughAMultiStepTaskGetsNoNewTask() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.publish("ubuntu", 3);
        planner.report("lab-a", "ubuntu");
        ReplicationTask task = last(planner.tasks(), "lab-a");
        assertEquals(3, task.steps().size());
        planner.drain();

        TransferProgress moving = new TransferProgress(task.taskId(), 1, Optional.empty(), 1 << 20, 1 << 20,
                planner.now());
        planner.report("lab-a", "ubuntu", List.of(), Optional.empty(), Optional.of(moving));
        ReplicationStatus transferring = single(planner.statusValues());
        assertEquals(ReplicationState.TRANSFERRING, transferring.state());
        assertEquals(Optional.of(moving), transferring.transfer());

        planner.report("lab-a", "ubuntu", List.of(1),
                Optional.of(StepReport.applied(task.taskId(), 1, 1 << 30, 9000)), Optional.empty());
        assertEquals(List.of(), planner.tasks(), "the rest of the task is still the plan");
        ReplicationStatus between = single(planner.statusValues());
        assertEquals(ReplicationState.TRANSFERRING, between.state());
        assertEquals(List.of(2, 3), between.missing());
    }

    @Test
    void duplicateAndReorderedRecordsChangeNothing() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        ReplicaImageState older = planner.report("lab-a", "ubuntu", 1);
        planner.advance(Duration.ofSeconds(1));
        ReplicaImageState newer = planner.report("lab-a", "ubuntu", List.of(1, 2),
                Optional.of(StepReport.applied("lab-a/ubuntu/3", 2, 10, 10)), Optional.empty());
        planner.drain();

        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.report(newer);
        planner.report(older);
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.retire("ubuntu", 1);
        planner.retire("ubuntu", 1);

        assertEquals(List.of(), planner.tasks());
        assertEquals(List.of(), planner.deadLetters());
        // Retiring version 1 changes nothing the pair shows: it is in sync on 2 either way.
        assertEquals(List.of(), planner.statuses());
    }

    @Test
    void anOlderRegistrationArrivingLateIsIgnored() {
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        Instant early = planner.now();
        planner.advance(Duration.ofSeconds(5));
        planner.register("lab-a", "lab", new Subscription("ubuntu", 1));
        planner.drain();

        // The same replica, registered earlier with another keep, delivered late.
        planner.send(Topics.REPLICAS, "lab-a", ReplicaRegistered.of("lab-a", "lab",
                List.of(new Subscription("ubuntu", 2)), "icbd", "SHA256:test", "test", early));

        assertEquals(List.of(), planner.tasks());
        assertEquals(List.of(), planner.statuses());
    }

    @Test
    void aStateForAnImageNobodyPlansIsKeptUntilItMatters() {
        planner.report("lab-a", "debian", 4);
        planner.register("lab-b", "lab", new Subscription("ubuntu", 1));
        planner.drain();
        assertEquals(List.of(), planner.deadLetters());

        // Once lab-a subscribes and debian has versions, the state it reported counts.
        planner.publish("debian", 4);
        planner.publish("debian", 5);
        assertEquals(List.of(), planner.tasks());
        planner.register("lab-a", "lab", new Subscription("debian", 2));
        ReplicationTask task = single(planner.tasks());
        assertEquals(List.of(4), task.expectHave());
        assertEquals(List.of(TransferStep.delta(4, uuid("debian", 4), 5, uuid("debian", 5))), task.steps());
    }

    @Test
    void heartbeatsAloneEmitNothing() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu");
        planner.drain();

        for (int i = 0; i < 5; i++) {
            planner.advance(Duration.ofSeconds(10));
            planner.heartbeat("lab-a");
        }

        assertEquals(List.of(), planner.tasks());
        assertEquals(List.of(), planner.statuses());
    }

    @Test
    void silenceMakesAPairOfflineAndAHeartbeatBringsItBack() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu", 1);
        assertEquals(ReplicationState.IN_SYNC, lastStatus(planner.statuses(), "lab-a/ubuntu").state());
        planner.drain();

        planner.advance(OFFLINE_AFTER);
        assertEquals(List.of(), planner.statuses(), "exactly offline-after is not yet offline");
        planner.advance(Duration.ofSeconds(2));
        ReplicationStatus offline = single(planner.statusValues());
        assertEquals(ReplicationState.OFFLINE, offline.state());
        assertEquals(List.of(1), offline.have());
        planner.advance(Duration.ofMinutes(10));
        assertEquals(List.of(), planner.statuses(), "OFFLINE is emitted once");

        planner.heartbeat("lab-a");
        assertEquals(ReplicationState.IN_SYNC, single(planner.statusValues()).state());
        assertEquals(List.of(), planner.tasks());
    }

    @Test
    void aTaskIsIssuedToAnOfflineReplicaButStalledTasksAreNotRepeatedToIt() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.report("lab-a", "ubuntu");
        planner.advance(OFFLINE_AFTER.plusSeconds(5));
        planner.drain();

        planner.publish("ubuntu", 1);
        assertEquals(1, planner.tasks().size(), "the replica reads it when it is back");
        assertEquals(ReplicationState.OFFLINE, single(planner.statusValues()).state());

        planner.advance(STALL_DEADLINE.multipliedBy(3));
        assertEquals(List.of(), planner.tasks());

        planner.heartbeat("lab-a");
        assertEquals(ReplicationState.BEHIND, single(planner.statusValues()).state());
        planner.heartbeatsEvery(Duration.ofSeconds(10), STALL_DEADLINE.minusSeconds(10));
        assertEquals(List.of(), planner.tasks(), "back online, the replica gets a whole deadline");
        planner.heartbeatsEvery(Duration.ofSeconds(10), Duration.ofSeconds(10));
        assertEquals("lab-a/ubuntu/2", single(planner.tasks()).taskId());
    }

    @Test
    void aStalledTaskIsIssuedAgainAfterTheDeadlineNotBefore() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu");
        ReplicationTask first = single(planner.tasks());
        planner.drain();

        // The replica stays online but does nothing with the task.
        planner.heartbeatsEvery(Duration.ofSeconds(10), STALL_DEADLINE.minusSeconds(10));
        assertEquals(List.of(), planner.tasks(), "not before the deadline");

        planner.heartbeatsEvery(Duration.ofSeconds(10), Duration.ofSeconds(20));
        ReplicationTask again = single(planner.tasks());
        assertEquals("lab-a/ubuntu/2", again.taskId());
        assertEquals(first.steps(), again.steps());
        assertEquals(first.expectHave(), again.expectHave());
        assertEquals(List.of(), planner.statuses(), "re-issuing changes nothing an operator sees");

        // Progress resets the deadline: a transfer moving is not stalled.
        planner.heartbeatsEvery(Duration.ofSeconds(10), STALL_DEADLINE.minusMinutes(1));
        planner.report("lab-a", "ubuntu", List.of(), Optional.empty(), Optional.of(
                new TransferProgress(again.taskId(), 1, Optional.empty(), 100, 10, planner.now())));
        planner.heartbeatsEvery(Duration.ofSeconds(10), STALL_DEADLINE.minusMinutes(1));
        assertEquals(List.of(), planner.tasks());
        planner.heartbeatsEvery(Duration.ofSeconds(10), Duration.ofMinutes(2));
        assertEquals("lab-a/ubuntu/3", single(planner.tasks()).taskId());
    }

    @Test
    void aFailedStepMakesThePairFailedWithTheError() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.report("lab-a", "ubuntu", 1);
        ReplicationTask task = last(planner.tasks(), "lab-a");
        planner.drain();

        planner.report("lab-a", "ubuntu", List.of(1), Optional.of(StepReport.failed(task.taskId(), 2,
                ErrorClass.PERMANENT, "verify failed: received_uuid differs", 5000, 300)), Optional.empty());

        assertEquals(List.of(), planner.tasks());
        ReplicationStatus failed = single(planner.statusValues());
        assertEquals(ReplicationState.FAILED, failed.state());
        assertEquals(Optional.of("verify failed: received_uuid differs"), failed.lastError());
        assertEquals(List.of(2), failed.missing());
    }

    @Test
    void aConflictMakesThePairFailedAndIssuesNoTask() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.drain();

        // The replica's version 1 is not the master's version 1.
        planner.report(ReplicaImageState.of("lab-a", "ubuntu",
                List.of(new HeldVersion(1, "0d6f7a3c-2b1e-4c5d-9e8f-1a2b3c4d5e6f")), Optional.empty(),
                Optional.empty(), planner.now()));

        assertEquals(List.of(), planner.tasks());
        ReplicationStatus failed = single(planner.statusValues());
        assertEquals(ReplicationState.FAILED, failed.state());
        String error = failed.lastError().orElseThrow();
        assertTrue(error.startsWith("conflict: the replica has diverged from the master"), error);
        assertTrue(error.contains("0d6f7a3c-2b1e-4c5d-9e8f-1a2b3c4d5e6f"), error);

        planner.publish("ubuntu", 3);
        assertEquals(List.of(), planner.tasks(), "nothing is sent over a conflict");
    }

    @Test
    void subscribingStartsTasksAndUnsubscribingStopsThem() {
        planner.publish("ubuntu", 1);
        planner.publish("debian", 1);
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        assertEquals(List.of("ubuntu"), planner.tasks().stream().map(ReplicationTask::image).toList());
        planner.drain();

        planner.register("lab-a", "lab", new Subscription("ubuntu", 3), new Subscription("debian", 1));
        assertEquals(List.of("debian"), planner.tasks().stream().map(ReplicationTask::image).toList());
        assertEquals(List.of("lab-a/debian"), planner.statuses().stream().map(kv -> kv.key).toList());

        planner.register("lab-a", "lab", new Subscription("debian", 1));
        assertEquals(List.of(), planner.tasks());
        List<KeyValue<String, ReplicationStatus>> removed = planner.statuses();
        assertEquals(1, removed.size());
        assertEquals("lab-a/ubuntu", removed.get(0).key);
        assertNull(removed.get(0).value, "an unsubscribed pair's status is a tombstone");

        planner.publish("ubuntu", 2);
        assertEquals(List.of(), planner.tasks());
        assertEquals(List.of(), planner.statuses());

        planner.deregister("lab-a");
        List<KeyValue<String, ReplicationStatus>> gone = planner.statuses();
        assertEquals(List.of("lab-a/debian"), gone.stream().map(kv -> kv.key).toList());
        assertNull(gone.get(0).value);
        planner.publish("debian", 2);
        assertEquals(List.of(), planner.tasks());

        // Subscribing again starts over, with new task ids: an id is never reused.
        planner.register("lab-a", "lab", new Subscription("ubuntu", 1));
        ReplicationTask again = single(planner.tasks());
        assertEquals("lab-a/ubuntu/2", again.taskId());
        assertEquals(List.of(TransferStep.full(2, uuid("ubuntu", 2))), again.steps());
    }

    @Test
    void retiredVersionsAreSkipped() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.publish("ubuntu", 3);
        planner.report("lab-a", "ubuntu", 1);
        planner.drain();

        planner.retire("ubuntu", 2);

        ReplicationTask task = single(planner.tasks());
        assertEquals(List.of(TransferStep.delta(1, uuid("ubuntu", 1), 3, uuid("ubuntu", 3))), task.steps());
    }

    @Test
    void retiringTheOnlyVersionAReplicaHoldsLeadsToAFullSendNotAFailure() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.publish("ubuntu", 3);
        planner.report("lab-a", "ubuntu", 2); // its next parent is 2
        planner.drain();

        planner.retire("ubuntu", 2); // icbd retire --force of lab-a's next parent

        ReplicationTask reseed = single(planner.tasks());
        assertEquals(List.of(TransferStep.full(3, uuid("ubuntu", 3))), reseed.steps(),
                "nothing lab-a holds is live: the newest is sent in full");
        planner.statusValues().forEach(status -> assertNotEquals(ReplicationState.FAILED, status.state(),
                () -> "a retired parent is a re-seed, not a failure: " + status));
    }

    @Test
    void poisonRecordsGoToTheDeadLettersAndProcessingContinues() {
        String valid = "{\"schemaVersion\":1,\"type\":\"ImageVersionPublished\",\"image\":\"ubuntu\",\"version\":1,"
                + "\"uuid\":\"" + uuid("ubuntu", 1) + "\",\"sizeBytes\":1,\"createdAt\":\"2026-03-02T08:00:00Z\","
                + "\"master\":\"master\"}";
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.drain();

        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", "{not json");
        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", valid.replace("\"schemaVersion\":1", "\"schemaVersion\":7"));
        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", valid.replace("\"version\":1", "\"version\":-1"));
        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", valid.replace("\"version\":1", "\"version\":\"one\""));
        planner.pipeRaw(Topics.IMAGE_VERSIONS, "debian", valid);
        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", (String) null);
        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", new byte[] {(byte) 0xff, 0x00, 0x13});
        planner.pipeRaw(Topics.REPLICAS, "lab-b", "[]");
        planner.pipeRaw(Topics.REPLICAS, "Not A Name", (String) null);
        planner.pipeRaw(Topics.REPLICA_STATE, "lab-a", "{}");
        planner.pipeRaw(Topics.REPLICA_STATE, "lab-a/debian", "{\"schemaVersion\":1,\"replicaId\":\"lab-a\","
                + "\"image\":\"ubuntu\",\"versions\":[],\"at\":\"2026-03-02T08:00:00Z\"}");

        List<KeyValue<String, DeadLetter>> letters = planner.deadLetters();
        assertEquals(11, letters.size(), letters::toString);
        assertReason(letters.get(0), "icbd.image-versions", 0, "not JSON");
        assertEquals(Optional.of("{not json"), letters.get(0).value.value());
        assertEquals("ubuntu", letters.get(0).key);
        assertReason(letters.get(1), "icbd.image-versions", 1, "schemaVersion 7 is not supported");
        assertReason(letters.get(2), "icbd.image-versions", 2, "version must be a positive integer, got -1");
        assertReason(letters.get(3), "icbd.image-versions", 3, "\"one\"");
        assertReason(letters.get(4), "icbd.image-versions", 4, "key 'debian' does not match image 'ubuntu'");
        assertReason(letters.get(5), "icbd.image-versions", 5, "tombstone");
        assertReason(letters.get(6), "icbd.image-versions", 6, "not JSON");
        assertEquals(Optional.of("base64"), letters.get(6).value.valueEncoding());
        assertEquals(List.of((byte) 0xff, (byte) 0x00, (byte) 0x13),
                toList(letters.get(6).value.rawValue().orElseThrow()));
        assertReason(letters.get(7), "icbd.replicas", 1, "expected a JSON object");
        assertReason(letters.get(8), "icbd.replicas", 2, "key 'Not A Name' is not a valid name");
        assertReason(letters.get(9), "icbd.replica-state", 0, "not of the form replicaId/image");
        assertReason(letters.get(10), "icbd.replica-state", 1, "does not match");
        letters.forEach(l -> assertEquals("planner", l.value.consumer()));

        assertEquals(List.of(), planner.tasks());
        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", valid);
        assertEquals(List.of(TransferStep.full(1, uuid("ubuntu", 1))), single(planner.tasks()).steps());
    }

    @Test
    void aVersionEventThatContradictsTheHistoryIsADeadLetter() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.drain();
        String reused = "{\"schemaVersion\":1,\"type\":\"ImageVersionPublished\",\"image\":\"ubuntu\",\"version\":1,"
                + "\"uuid\":\"0d6f7a3c-2b1e-4c5d-9e8f-1a2b3c4d5e6f\",\"sizeBytes\":1,"
                + "\"createdAt\":\"2026-03-02T08:00:00Z\",\"master\":\"master\"}";

        planner.pipeRaw(Topics.IMAGE_VERSIONS, "ubuntu", reused);

        DeadLetter letter = single(planner.deadLetters()).value;
        assertTrue(letter.reason().contains("version 1 of image ubuntu is already known with uuid"), letter.reason());
        assertEquals(1, letter.offset());
        assertEquals(List.of(), planner.tasks());
        assertEquals(List.of(), planner.statuses());
        planner.publish("ubuntu", 2);
        assertEquals(2, single(planner.tasks()).target());
    }

    private static void assertReason(KeyValue<String, DeadLetter> letter, String topic, long offset, String reason) {
        assertEquals(topic, letter.value.topic(), letter.value::toString);
        assertEquals(offset, letter.value.offset(), letter.value::toString);
        assertTrue(letter.value.reason().contains(reason), () -> "reason '" + letter.value.reason()
                + "' should contain '" + reason + "'");
    }

    private static List<Byte> toList(byte[] bytes) {
        List<Byte> list = new java.util.ArrayList<>();
        for (byte b : bytes) {
            list.add(b);
        }
        return list;
    }

    private static ReplicationTask last(List<ReplicationTask> tasks, String replica) {
        List<ReplicationTask> theirs = tasks.stream().filter(t -> t.replicaId().equals(replica)).toList();
        assertTrue(!theirs.isEmpty(), () -> "no task for " + replica + " in " + tasks);
        return theirs.get(theirs.size() - 1);
    }

    private static ReplicationStatus lastStatus(List<KeyValue<String, ReplicationStatus>> statuses, String pair) {
        List<ReplicationStatus> theirs = statuses.stream().filter(kv -> kv.key.equals(pair)).map(kv -> kv.value)
                .toList();
        assertTrue(!theirs.isEmpty(), () -> "no status for " + pair + " in " + statuses);
        return theirs.get(theirs.size() - 1);
    }

    private static <T> T single(List<T> values) {
        assertEquals(1, values.size(), values::toString);
        return values.get(0);
    }
}
