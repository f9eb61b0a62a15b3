package org.icbd.rcs.replica.step;

/**
 * Runs one step of a chain on this replica: the endpoint the task driver ({@code TaskApplier})
 * runs its steps through. Implementations classify their own failures and leave staging empty
 * after a failed step.
 */
public interface StepRunner {

    /**
     * Runs {@code order}; returns once its version is promoted or the step failed.
     *
     * @param observer told of the transfer in flight
     * @param abort    abandons the step when raised, from any thread
     * @throws RuntimeException only when the pool itself fails outside the transfer (listing the
     *     versions held); the caller retries the task later
     */
    StepResult run(StepOrder order, StepObserver observer, AbortSignal abort);
}
