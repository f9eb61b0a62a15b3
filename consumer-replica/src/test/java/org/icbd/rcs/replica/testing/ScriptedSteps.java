package org.icbd.rcs.replica.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.replica.step.AbortSignal;
import org.icbd.rcs.replica.step.StepFailure;
import org.icbd.rcs.replica.step.StepObserver;
import org.icbd.rcs.replica.step.StepOrder;
import org.icbd.rcs.replica.step.StepProgress;
import org.icbd.rcs.replica.step.StepResult;
import org.icbd.rcs.replica.step.StepRunner;
import org.icbd.rcs.replica.step.StepTimings;

/**
 * The driver's step runner, scripted: each run takes the next scripted result (applying a step
 * adds its version to {@link MemoryVersions}, as promotion does); with nothing scripted, a step
 * applies. Records when each step ran. Every run is pulled from the source its step names, as
 * from a runner that trusts them all.
 */
public final class ScriptedSteps implements StepRunner {

    /** One scripted run. */
    @FunctionalInterface
    public interface Script {
        StepResult run(StepOrder order, StepObserver observer, AbortSignal abort);
    }

    private final MemoryVersions versions;
    private final Deque<Script> script = new ArrayDeque<>();
    private final List<StepOrder> runs = new ArrayList<>();
    private final List<Long> startedNanos = new ArrayList<>();

    public ScriptedSteps(MemoryVersions versions) {
        this.versions = versions;
    }

    public synchronized ScriptedSteps then(Script next) {
        script.add(next);
        return this;
    }

    /** The step fails with {@code errorClass} after {@code bytes}. */
    public ScriptedSteps thenFails(ErrorClass errorClass, String message, long bytes) {
        return then((order, observer, abort) -> new StepResult.Failed(new StepFailure(errorClass, message), bytes,
                Duration.ofMillis(3), order.step().sourceId()));
    }

    /** The step applies after telling the observer of {@code bytes} in flight. */
    public ScriptedSteps thenApplies(long bytes) {
        return then((order, observer, abort) -> {
            Instant now = Instant.now();
            observer.transferring(new StepProgress(order, bytes, now, now));
            return applied(order, bytes);
        });
    }

    /** The step is in flight (and says so on {@code inFlight}) until aborted; then fails as a stopped step does. */
    public ScriptedSteps thenWaitsForAbort(CountDownLatch inFlight) {
        return then((order, observer, abort) -> {
            inFlight.countDown();
            await("the abort").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(abort::isRaised);
            return new StepResult.Failed(new StepFailure(ErrorClass.TRANSIENT, "pulling " + order.describe()
                    + " was abandoned after 7 bytes: the replica service is stopping"), 7, Duration.ofMillis(3));
        });
    }

    @Override
    public StepResult run(StepOrder order, StepObserver observer, AbortSignal abort) {
        Script next;
        synchronized (this) {
            runs.add(order);
            startedNanos.add(System.nanoTime());
            next = script.poll();
        }
        return next == null ? applied(order, 100) : next.run(order, observer, abort);
    }

    private StepResult applied(StepOrder order, long bytes) {
        HeldVersion promoted = new HeldVersion(order.step().version(), order.step().uuid());
        versions.add(order.image(), promoted);
        return new StepResult.Applied(promoted, bytes, OptionalLong.of(bytes * 2), new StepTimings(Duration.ofMillis(1),
                Duration.ofMillis(5), Duration.ofMillis(1)), order.step().sourceId());
    }

    public synchronized List<StepOrder> runs() {
        return List.copyOf(runs);
    }

    /** {@link System#nanoTime()} as each run started. */
    public synchronized List<Long> startedNanos() {
        return List.copyOf(startedNanos);
    }
}
