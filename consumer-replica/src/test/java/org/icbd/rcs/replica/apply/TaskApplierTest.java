package org.icbd.rcs.replica.apply;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.replica.step.StepOrder;
import org.icbd.rcs.replica.testing.MemoryVersions;
import org.icbd.rcs.replica.testing.RecordedReports;
import org.icbd.rcs.replica.testing.ScriptedSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver's retry loop over a scripted step runner: transient failures are retried with backoff
 * up to the attempt limit, permanent ones are not, a stop abandons the task, and every outcome is
 * reported from the disk.
 */
@Timeout(60)
class TaskApplierTest {

    private static final String REPLICA = "r1";
    private static final String IMAGE = "ubuntu";
    private static final String UUID_1 = UUID.randomUUID().toString();
    private static final String UUID_2 = UUID.randomUUID().toString();
    private static final String UUID_3 = UUID.randomUUID().toString();

    private final MemoryVersions versions = new MemoryVersions();
    private final ScriptedSteps steps = new ScriptedSteps(versions);
    private final RecordedReports reports = new RecordedReports();
    private TaskApplier applier;

    @AfterEach
    void close() {
        if (applier != null) {
            applier.close();
        }
    }

    private TaskApplier applier(Backoff backoff, int keep) {
        applier = new TaskApplier(REPLICA, versions, steps, reports, Map.of(IMAGE, keep), backoff, Clock.systemUTC());
        return applier;
    }

    private static ReplicationTask task(List<Integer> expectHave, TransferStep... chain) {
        return ReplicationTask.of("t1", REPLICA, IMAGE, expectHave, List.of(chain), Compression.LZ4, Instant.now());
    }

    private StepReport lastStep() {
        List<ReplicaImageState> states = reports.states();
        return states.get(states.size() - 1).lastStep().orElseThrow();
    }

    @Test
    void transientFailuresAreRetriedWithGrowingBackoffThenAtTheCapUntilTheyPass() {
        Backoff backoff = new Backoff(Duration.ofMillis(40), Duration.ofMillis(60), 3);
        steps.thenFails(ErrorClass.TRANSIENT, "connection lost", 10)
                .thenFails(ErrorClass.TRANSIENT, "connection lost", 20)
                .thenFails(ErrorClass.TRANSIENT, "connection lost", 30)
                .thenFails(ErrorClass.TRANSIENT, "connection lost", 40)
                .thenApplies(4096);

        assertEquals(TaskOutcome.DONE, applier(backoff, 2).apply(task(List.of(), TransferStep.full(1, UUID_1))));

        assertEquals(5, steps.runs().size(), "four failed attempts, the fifth applied");
        List<Long> started = steps.startedNanos();
        assertTrue(started.get(1) - started.get(0) >= Duration.ofMillis(40).toNanos(), "first backoff waited");
        for (int i = 2; i < 5; i++) {
            assertTrue(started.get(i) - started.get(i - 1) >= Duration.ofMillis(60).toNanos(), "backoff " + i
                    + " (capped at 60 ms) waited");
        }
        List<String> errors = reports.states().stream().filter(s -> s.lastStep().orElseThrow().outcome()
                == Outcome.FAILED).map(s -> s.lastStep().orElseThrow().error().orElseThrow()).toList();
        assertEquals(List.of("connection lost; retrying in 40 ms (attempt 2)",
                "connection lost; retrying in 60 ms (attempt 3)",
                "connection lost; retrying in 60 ms (attempt 4, still failing after 3: retrying every 60 ms)",
                "connection lost; retrying in 60 ms (attempt 5, still failing after 3: retrying every 60 ms)"),
                errors);
        StepReport last = lastStep();
        assertEquals(Outcome.APPLIED, last.outcome());
        assertEquals(List.of(new HeldVersion(1, UUID_1)), versions.held(IMAGE));
    }

    @Test
    void aTransientFailureThenASuccessAppliesTheStep() {
        steps.thenFails(ErrorClass.TRANSIENT, "master busy", 0).thenApplies(4096);

        assertEquals(TaskOutcome.DONE, applier(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 3), 2)
                .apply(task(List.of(), TransferStep.full(1, UUID_1))));

        assertEquals(2, steps.runs().size());
        StepReport last = lastStep();
        assertEquals(Outcome.APPLIED, last.outcome());
        assertEquals(4096, last.bytes());
        assertEquals(List.of(new HeldVersion(1, UUID_1)), reports.states().get(reports.states().size() - 1).versions());
        ReplicaImageState progress = reports.progress().get(0);
        assertEquals(4096, progress.transfer().orElseThrow().bytes());
        assertEquals(List.of(), progress.versions(), "progress shows what was held when the step began");
    }

    @Test
    void eachReportNamesItsSourceAndAfterAPeersFailureTheRestOfTheTaskComesFromTheMaster() {
        steps.thenApplies(100).thenFails(ErrorClass.PERMANENT, "image ubuntu has no version 2 on replica lab-a", 0);

        assertEquals(TaskOutcome.DONE, applier(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 3), 2)
                .apply(task(List.of(), TransferStep.full(1, UUID_1).from("lab-a"),
                        TransferStep.delta(1, UUID_1, 2, UUID_2).from("lab-a"),
                        TransferStep.delta(2, UUID_2, 3, UUID_3).from("lab-a"))));

        assertEquals(List.of("lab-a", "lab-a", "master", "master"),
                steps.runs().stream().map(o -> o.step().sourceId()).toList(),
                "version 1 from the peer; version 2 failed there, then 2 and 3 from the master");
        List<StepReport> reported = reports.states().stream().map(s -> s.lastStep().orElseThrow()).distinct().toList();
        assertEquals(List.of("lab-a", "lab-a", "master", "master"), reported.stream().map(StepReport::sourceId).toList());
        assertEquals(List.of(Outcome.APPLIED, Outcome.FAILED, Outcome.APPLIED, Outcome.APPLIED),
                reported.stream().map(StepReport::outcome).toList());
        assertEquals(Optional.of("image ubuntu has no version 2 on replica lab-a; retrying from the master in 0 ms"
                + " (attempt 2)"), reported.get(1).error());
    }

    @Test
    void aPermanentFailureIsNotRetried() {
        steps.thenFails(ErrorClass.PERMANENT, "the master refused the request", 0);

        assertEquals(TaskOutcome.DONE, applier(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 5), 2)
                .apply(task(List.of(), TransferStep.full(1, UUID_1))));

        assertEquals(1, steps.runs().size());
        StepReport last = lastStep();
        assertEquals(Optional.of(ErrorClass.PERMANENT), last.errorClass());
        assertEquals(Optional.of("the master refused the request; not retried: waiting for a new task"), last.error());
    }

    @Test
    void aStopDuringTheBackoffAbandonsTheTaskAtOnce() {
        steps.thenFails(ErrorClass.TRANSIENT, "connection lost", 10);
        TaskApplier a = applier(new Backoff(Duration.ofHours(1), Duration.ofHours(1), 3), 2);
        CompletableFuture<TaskOutcome> outcome = CompletableFuture.supplyAsync(
                () -> a.apply(task(List.of(), TransferStep.full(1, UUID_1))));
        await("the failure reported").atMost(Duration.ofSeconds(10)).until(() -> !reports.states().isEmpty());

        a.stop();

        assertEquals(TaskOutcome.ABANDONED, outcome.orTimeout(10, TimeUnit.SECONDS).join());
        assertEquals(1, steps.runs().size(), "no attempt after the stop");
    }

    @Test
    void aStopDuringAStepAbortsItAndReportsItAbandoned() throws InterruptedException {
        CountDownLatch inFlight = new CountDownLatch(1);
        steps.thenWaitsForAbort(inFlight);
        TaskApplier a = applier(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 3), 2);
        CompletableFuture<TaskOutcome> outcome = CompletableFuture.supplyAsync(
                () -> a.apply(task(List.of(), TransferStep.full(1, UUID_1))));
        assertTrue(inFlight.await(10, TimeUnit.SECONDS));

        a.stop();

        assertEquals(TaskOutcome.ABANDONED, outcome.orTimeout(10, TimeUnit.SECONDS).join());
        StepReport last = lastStep();
        assertEquals(Optional.of(ErrorClass.TRANSIENT), last.errorClass());
        assertTrue(last.error().orElseThrow().contains("stopping"), last.error().get());
        assertEquals(1, steps.runs().size());
    }

    @Test
    void aChainRunsStepByStepReportsEachAndPrunesBeyondKeep() {
        assertEquals(TaskOutcome.DONE, applier(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 3), 1)
                .apply(task(List.of(), TransferStep.full(1, UUID_1), TransferStep.delta(1, UUID_1, 2, UUID_2))));

        assertEquals(List.of(new StepOrder("t1", IMAGE, TransferStep.full(1, UUID_1), Compression.LZ4),
                new StepOrder("t1", IMAGE, TransferStep.delta(1, UUID_1, 2, UUID_2), Compression.LZ4)), steps.runs());
        List<List<HeldVersion>> reported = reports.states().stream().map(ReplicaImageState::versions).toList();
        assertEquals(List.of(List.of(new HeldVersion(1, UUID_1)),
                List.of(new HeldVersion(1, UUID_1), new HeldVersion(2, UUID_2)),
                List.of(new HeldVersion(2, UUID_2))), reported, "each step, then retention (keep 1)");
    }

    @Test
    void aTargetAlreadyHeldRunsNoStep() {
        versions.add(IMAGE, new HeldVersion(1, UUID_1));

        assertEquals(TaskOutcome.DONE, applier(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 3), 2)
                .apply(task(List.of(), TransferStep.full(1, UUID_1))));

        assertEquals(List.of(), steps.runs());
        assertEquals(List.of(new HeldVersion(1, UUID_1)), reports.states().get(0).versions());
    }
}
