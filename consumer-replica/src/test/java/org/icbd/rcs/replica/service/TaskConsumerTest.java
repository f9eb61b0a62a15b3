package org.icbd.rcs.replica.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.replica.apply.Backoff;
import org.icbd.rcs.replica.apply.TaskApplier;
import org.icbd.rcs.replica.testing.MemoryVersions;
import org.icbd.rcs.replica.testing.RecordedReports;
import org.icbd.rcs.replica.testing.ScriptedSteps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The task loop's failure handling, over an in-memory partition and a scripted step runner: a
 * failure under a task rewinds it and pauses, whatever the retry settings, and never ends the loop.
 */
@Timeout(60)
class TaskConsumerTest {

    private static final String REPLICA = "r1";
    private static final String IMAGE = "ubuntu";
    private static final String UUID_1 = UUID.randomUUID().toString();
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final MemoryTaskSource source = new MemoryTaskSource();
    private final MemoryVersions versions = new MemoryVersions();
    private final ScriptedSteps steps = new ScriptedSteps(versions);
    private final RecordedReports reports = new RecordedReports();
    private TaskConsumer consumer;

    @AfterEach
    void close() {
        if (consumer != null) {
            consumer.close();
        }
    }

    private TaskConsumer start(Backoff backoff) {
        TaskApplier applier = new TaskApplier(REPLICA, versions, steps, reports, Map.of(IMAGE, 2), backoff,
                Clock.systemUTC());
        // As the service wires it: the loop's pause takes the step backoff's delays, never its attempt count.
        consumer = new TaskConsumer(REPLICA, source, applier, reports, LoopPause.of(backoff), Clock.systemUTC());
        consumer.start();
        return consumer;
    }

    private static ReplicationTask task() {
        return ReplicationTask.of("t1", REPLICA, IMAGE, List.of(), List.of(TransferStep.full(1, UUID_1)),
                Compression.NONE, Instant.now());
    }

    @Test
    void aFailureUnderATaskWithASingleAttemptAllowedPausesAndRetriesTheTask() {
        start(new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 1));
        reports.refuseStates(1);
        source.append(task());

        await("the task applied and committed").atMost(WAIT).until(() -> source.committed().equals(Optional.of(1L)));
        assertEquals(1, reports.refused());
        assertEquals(List.of(new HeldVersion(1, UUID_1)), versions.held(IMAGE));
        assertTrue(consumer.isAlive(), "the task loop still runs");
    }

    @Test
    void failuresInARowPastEveryRetrySettingNeverEndTheLoop() {
        start(new Backoff(Duration.ofMillis(1), Duration.ofMillis(8), 3));
        reports.refuseStates(12);
        source.append(task());

        await("the task committed after twelve failures").atMost(WAIT)
                .until(() -> source.committed().equals(Optional.of(1L)));
        assertEquals(12, reports.refused());
        assertTrue(consumer.isAlive(), "the task loop still runs");
        assertFalse(consumer.death().isDone());
    }

    @Test
    void aLoopWhosePollFailsDiesAndSaysWhy() {
        start(new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 3));
        source.append(task());
        await("the first task committed").atMost(WAIT).until(() -> source.committed().equals(Optional.of(1L)));

        source.failPolls(new FencedInstanceIdException("another member of the group has this static instance id"));

        TaskLoopDeath death = consumer.death().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        assertTrue(death.reason().contains("FencedInstanceIdException"), death.reason());
        assertTrue(death.cause().orElseThrow() instanceof FencedInstanceIdException);
        await("the loop's thread ended").atMost(WAIT).until(() -> !consumer.isAlive());
        assertTrue(source.closed(), "the consumer left its group");
    }

    @Test
    void aClosedLoopIsNotADeadOne() {
        start(new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 3));
        source.append(task());
        await("the task committed").atMost(WAIT).until(() -> source.committed().equals(Optional.of(1L)));

        CompletableFuture<TaskLoopDeath> death = consumer.death();
        consumer.close();

        assertFalse(consumer.isAlive());
        assertTrue(source.closed());
        assertFalse(death.isDone(), "close() is a stop, not a death");
    }
}
