package org.icbd.rcs.replica.testing;

import java.util.ArrayList;
import java.util.List;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.replica.report.PublishException;
import org.icbd.rcs.replica.report.ReplicaReports;

/**
 * What a driver or task-loop test's replica reported, in order; {@link #refuseStates(int)} makes
 * the next states fail as an unacknowledged publish does.
 */
public final class RecordedReports implements ReplicaReports {

    private final List<ReplicaImageState> states = new ArrayList<>();
    private final List<ReplicaImageState> progress = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private int refusals;
    private int refused;

    /** The next {@code count} states are not acknowledged. */
    public synchronized RecordedReports refuseStates(int count) {
        refusals += count;
        return this;
    }

    @Override
    public synchronized void publishState(ReplicaImageState state) {
        if (refusals > 0) {
            refusals--;
            refused++;
            throw new PublishException("publishing the state of " + state.replicaId() + "/" + state.image()
                    + " was not acknowledged within 15s", null);
        }
        states.add(state);
    }

    @Override
    public synchronized void publishProgress(ReplicaImageState state) {
        progress.add(state);
    }

    @Override
    public synchronized void publishDeadLetter(String originalKey, DeadLetter letter) {
        deadLetters.add(letter);
    }

    public synchronized List<ReplicaImageState> states() {
        return List.copyOf(states);
    }

    public synchronized List<ReplicaImageState> progress() {
        return List.copyOf(progress);
    }

    public synchronized List<DeadLetter> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** How many states were refused so far. */
    public synchronized int refused() {
        return refused;
    }
}
