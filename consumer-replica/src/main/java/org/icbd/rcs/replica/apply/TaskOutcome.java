package org.icbd.rcs.replica.apply;

/** What the task consumer does with a task's offset once {@link TaskApplier#apply} returns. */
public enum TaskOutcome {
    /**
     * The task is finished with: applied, found already applied or stale, or failed and reported.
     * Its state was published and acknowledged, so its offset may be committed.
     */
    DONE,
    /** The service stopped in the middle: the offset stays uncommitted, so the task is redelivered. */
    ABANDONED
}
