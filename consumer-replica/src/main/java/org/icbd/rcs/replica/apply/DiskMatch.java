package org.icbd.rcs.replica.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.TransferStep;

/**
 * How a replica's disk relates to a task: the decision that makes re-delivered and stale tasks
 * harmless. Pure: the held versions in, a verdict out.
 *
 * <p>A task's steps may already be partly on disk (a crash or a transient failure after some
 * steps were promoted): the longest prefix of steps held with the step's uuid counts as applied.
 * The disk matches iff the version numbers it holds are exactly {@code expectHave} plus that
 * prefix; then only the rest of the steps run.
 */
public sealed interface DiskMatch {

    /** The task's target is held with the target's uuid: nothing to do but report. */
    record HasTarget(int target) implements DiskMatch {
    }

    /** The disk differs from what the planner believed: report the disk so that it replans. */
    record Stale(SortedSet<Integer> held, SortedSet<Integer> expected) implements DiskMatch {

        /** One line for logs and reports: both sides, so that a reader sees the difference. */
        public String describe() {
            return "the disk holds versions " + held + " but the task expected " + expected;
        }
    }

    /** The disk is as expected: apply {@code remaining}, in order (never empty). */
    record Proceed(List<TransferStep> remaining) implements DiskMatch {

        public Proceed {
            remaining = List.copyOf(remaining);
            if (remaining.isEmpty()) {
                throw new IllegalArgumentException("a Proceed verdict has steps to run");
            }
        }
    }

    static DiskMatch of(ReplicationTask task, List<HeldVersion> held) {
        Objects.requireNonNull(task, "task");
        Map<Integer, String> uuids = new TreeMap<>();
        held.forEach(h -> uuids.put(h.version(), h.receivedUuid()));
        TransferStep last = task.steps().get(task.steps().size() - 1);
        if (last.uuid().equals(uuids.get(last.version()))) {
            return new HasTarget(last.version());
        }
        SortedSet<Integer> expected = new TreeSet<>(task.expectHave());
        List<TransferStep> remaining = new ArrayList<>(task.steps());
        while (!remaining.isEmpty() && remaining.get(0).uuid().equals(uuids.get(remaining.get(0).version()))) {
            expected.add(remaining.remove(0).version());
        }
        SortedSet<Integer> versions = new TreeSet<>(uuids.keySet());
        if (!versions.equals(expected)) {
            return new Stale(versions, expected);
        }
        return new Proceed(remaining);
    }
}
