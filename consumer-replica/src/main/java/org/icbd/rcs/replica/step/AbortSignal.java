package org.icbd.rcs.replica.step;

import java.util.ArrayList;
import java.util.List;

/**
 * Raised from any thread to abandon the steps run with it: the step in flight has its channel
 * closed (so its receive is killed and it fails TRANSIENT, "stopping"), and every later step fails
 * the same way at once. Raising is final.
 */
public final class AbortSignal {

    private final Object lock = new Object();
    private final List<Runnable> actions = new ArrayList<>();
    private boolean raised;

    /** Raises the signal: runs what steps in flight registered. Idempotent, any thread. */
    public void raise() {
        List<Runnable> run;
        synchronized (lock) {
            if (raised) {
                return;
            }
            raised = true;
            run = List.copyOf(actions);
            actions.clear();
        }
        run.forEach(Runnable::run);
    }

    public boolean isRaised() {
        synchronized (lock) {
            return raised;
        }
    }

    /**
     * Runs {@code action} when the signal is raised, at once if it already was; closing the returned
     * registration forgets the action.
     */
    Registration whenRaised(Runnable action) {
        synchronized (lock) {
            if (!raised) {
                actions.add(action);
                return () -> {
                    synchronized (lock) {
                        actions.remove(action);
                    }
                };
            }
        }
        action.run();
        return () -> { };
    }

    /** An action registered with {@link #whenRaised}. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
