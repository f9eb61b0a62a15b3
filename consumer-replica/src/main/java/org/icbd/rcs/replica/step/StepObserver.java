package org.icbd.rcs.replica.step;

/**
 * Told of a step in flight: once when its channel opened, then every progress interval until the
 * stream ended. Called on the step's thread first, then on a timer thread; never after {@link
 * StepRunner#run} returned. What it throws is logged and does not disturb the step.
 */
@FunctionalInterface
public interface StepObserver {

    /** Tells nobody. */
    StepObserver NONE = progress -> { };

    void transferring(StepProgress progress);
}
