package org.icbd.rcs.planner.topology;

import static org.icbd.rcs.planner.topology.PlannerDriver.uuid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records anyone who can write to the planner's input topics could forge: oversized, over-bound or
 * dated far in the future. None may stop the planner, grow its outputs past what a producer may
 * send, or make the replicas' real reports count for nothing.
 */
class AdversarialInputsTest {

    private static final TopologySettings SETTINGS = new TopologySettings(Duration.ofSeconds(30),
            Duration.ofMinutes(5), Compression.LZ4, Duration.ofSeconds(1));
    private static final Instant FAR_FUTURE = Instant.parse("2099-01-01T00:00:00Z");

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
    void aForgedNextVersionIsReplacedByTheMastersCorrectionAndTheReplicaIsAskedForTheRealUuid() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu", 1);
        planner.drain();
        String forgedUuid = uuid("forged", 2);
        planner.publish(ImageVersionPublished.of("ubuntu", 2, forgedUuid, Optional.of(1),
                Optional.of(uuid("ubuntu", 1)), 1, planner.now(), "master"));
        assertEquals(forgedUuid, single(planner.tasks()).steps().get(0).uuid(), "the forgery is planned");

        ImageVersionPublished real = planner.published("ubuntu", 2, 1);
        planner.publish(real);
        DeadLetter rejected = single(planner.deadLetters()).value;
        assertEquals(Topics.IMAGE_VERSIONS.name(), rejected.topic());
        assertTrue(rejected.reason().contains(forgedUuid), rejected.reason());

        planner.publish(real.correcting(forgedUuid));

        assertEquals(List.of(), planner.deadLetters());
        ReplicationTask task = single(planner.tasks());
        assertEquals(List.of(2), task.steps().stream().map(TransferStep::version).toList());
        assertEquals(uuid("ubuntu", 2), task.steps().get(0).uuid());
        planner.drain();
        planner.report("lab-a", "ubuntu", 1, 2);
        assertEquals(ReplicationState.IN_SYNC, single(planner.statusValues()).state());
    }

    @Test
    void aStateOfTwelveThousandVersionsIsADeadLetterAndOtherPairsGoOn() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.register("lab-b", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu", 1);
        planner.drain();

        List<HeldVersion> forged = new ArrayList<>();
        for (int v = 1; v <= 12_000; v++) {
            forged.add(new HeldVersion(v, uuid("ubuntu", v)));
        }
        planner.report(ReplicaImageState.of("lab-a", "ubuntu", forged, Optional.empty(), Optional.empty(),
                planner.now()));

        DeadLetter letter = single(planner.deadLetters()).value;
        assertEquals(Topics.REPLICA_STATE.name(), letter.topic());
        assertTrue(letter.reason().contains("bytes"), letter.reason());
        assertTrue(letter.reason().contains("icbd.planner.max-record-bytes"), letter.reason());
        assertEquals(List.of(), planner.tasks());
        assertEquals(List.of(), planner.statuses(), "the forged state changed nothing");

        planner.report("lab-b", "ubuntu", 1);
        assertEquals(ReplicationState.IN_SYNC, single(planner.statusValues()).state());
    }

    @Test
    void aStateWithMoreVersionsThanTheBoundIsADeadLetter() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.report("lab-a", "ubuntu", 1);
        planner.drain();

        List<HeldVersion> forged = new ArrayList<>();
        for (int v = 1; v <= InputLimits.DEFAULT_MAX_VERSIONS_PER_STATE + 1; v++) {
            forged.add(new HeldVersion(v, uuid("ubuntu", v)));
        }
        planner.report(ReplicaImageState.of("lab-a", "ubuntu", forged, Optional.empty(), Optional.empty(),
                planner.now()));

        DeadLetter letter = single(planner.deadLetters()).value;
        assertTrue(letter.reason().contains("icbd.planner.max-versions-per-state"), letter.reason());
        assertEquals(List.of(), planner.statuses());
    }

    @Test
    void aLongChainIsSentInTasksOfAtMostTheBoundedNumberOfSteps() {
        int max = InputLimits.DEFAULT_MAX_STEPS_PER_TASK;
        int versions = 2 * max + 50;
        for (int v = 1; v <= versions; v++) {
            planner.publish("ubuntu", v);
        }
        planner.report("lab-a", "ubuntu", 1);
        planner.register("lab-a", "lab", new Subscription("ubuntu", versions));

        ReplicationTask first = single(planner.tasks());
        assertEquals(max, first.steps().size());
        assertEquals(TransferStep.delta(1, uuid("ubuntu", 1), 2, uuid("ubuntu", 2)), first.steps().get(0));
        ReplicationStatus behind = single(planner.statusValues());
        assertEquals(versions - 1, behind.missing().size(), "the status still says everything that is missing");

        List<Integer> halfway = new ArrayList<>();
        for (int v = 1; v <= max / 2; v++) {
            halfway.add(v);
        }
        planner.report("lab-a", "ubuntu", halfway, Optional.of(StepReport.applied(first.taskId(), max / 2, 10, 10)),
                Optional.empty());
        assertEquals(List.of(), planner.tasks(), "a replica working through a cut task gets no new task");

        List<Integer> held = new ArrayList<>();
        for (int v = 1; v <= max + 1; v++) {
            held.add(v);
        }
        planner.advance(Duration.ofSeconds(1));
        planner.report("lab-a", "ubuntu", held, Optional.of(StepReport.applied(first.taskId(), max + 1, 10, 10)),
                Optional.empty());
        ReplicationTask second = single(planner.tasks());
        assertEquals(max, second.steps().size());
        assertEquals(held, second.expectHave());
        assertEquals(max + 2, second.steps().get(0).version());
    }

    @Test
    void aStateDatedInTheFarFutureDoesNotHideTheReplicasRealReports() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.report("lab-a", "ubuntu", 1, 2);
        planner.drain();

        // Forged: the replica holds nothing, dated 2099.
        planner.report(ReplicaImageState.of("lab-a", "ubuntu", List.of(), Optional.empty(), Optional.empty(),
                FAR_FUTURE));
        planner.drain();

        planner.advance(Duration.ofSeconds(2));
        planner.report("lab-a", "ubuntu", 1, 2);
        ReplicationStatus status = single(planner.statusValues());
        assertEquals(ReplicationState.IN_SYNC, status.state());
        assertEquals(List.of(1, 2), status.have());
    }

    @Test
    void aRealReportStillWinsOverAnEarlierReplayedOne() {
        planner.register("lab-a", "lab", new Subscription("ubuntu", 3));
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        ReplicaImageState older = planner.report("lab-a", "ubuntu", 1);
        planner.advance(Duration.ofSeconds(1));
        planner.report("lab-a", "ubuntu", 1, 2);
        planner.drain();

        planner.report(older);
        assertEquals(List.of(), planner.statuses());
        assertEquals(List.of(), planner.tasks());
    }

    @Test
    void aRegistrationDatedInTheFarFutureDoesNotHideTheReplicasRealOnes() {
        planner.publish("ubuntu", 1);
        planner.publish("debian", 1);
        planner.send(Topics.REPLICAS, "lab-a", ReplicaRegistered.of("lab-a", "lab",
                List.of(new Subscription("debian", 1)), "icbd", "SHA256:test", "test", FAR_FUTURE));
        planner.drain();

        planner.advance(Duration.ofSeconds(2));
        planner.register("lab-a", "lab", new Subscription("ubuntu", 1));
        ReplicationTask task = single(planner.tasks());
        assertEquals("ubuntu", task.image());
        List<KeyValue<String, ReplicationStatus>> statuses = planner.statuses();
        assertTrue(statuses.stream().anyMatch(kv -> kv.key.equals("lab-a/debian") && kv.value == null),
                () -> "debian unsubscribed: " + statuses);
    }

    private static <T> T single(List<T> values) {
        assertEquals(1, values.size(), values::toString);
        return values.get(0);
    }
}
