package org.icbd.rcs.planner.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.TransferStep;

/**
 * The tasks issued for one (replica, image) pair: how many so far (task ids are
 * {@code <replica>.<image>.<n>}, so the count is never reset, not even by an unsubscription,
 * and an id is never reused) and the one the replica should be working on, if any.
 *
 * @param issued      the number of tasks issued for the pair, which is the last task's n
 * @param outstanding the last task, while the plan it carried has not been completed
 */
public record TaskLedger(int issued, Optional<Outstanding> outstanding) {

    public static final TaskLedger NONE = new TaskLedger(0, Optional.empty());

    public TaskLedger {
        if (issued < 0) {
            throw new IllegalArgumentException("issued must not be negative, got " + issued);
        }
        outstanding = Fields.optional(outstanding);
        if (outstanding.isPresent() && issued == 0) {
            throw new IllegalArgumentException("an outstanding task needs issued >= 1");
        }
    }

    /**
     * The last task issued, as the replica should be applying it.
     *
     * @param progress   the {@link HeldState#progress() fingerprint} of the replica's state when it
     *                   last changed
     * @param progressAt when the fingerprint last changed (or the task was issued, or the replica
     *                   came back online): the stall deadline counts from here
     */
    public record Outstanding(String taskId, List<Integer> expectHave, List<TransferStep> steps, Instant issuedAt,
                              String progress, Instant progressAt) {
        public Outstanding {
            Fields.nonBlank(taskId, "taskId");
            expectHave = Fields.list(expectHave, "expectHave");
            steps = Fields.nonEmptyList(steps, "steps");
            Fields.present(issuedAt, "issuedAt");
            Fields.present(progress, "progress");
            Fields.present(progressAt, "progressAt");
        }

        /**
         * True iff this task still carries the pair's plan: the same steps for the same holdings
         * (nothing happened yet), or a proper tail of its steps (the replica reports after each
         * step, so a task under way leaves the rest of its own chain as the plan). Holdings that
         * changed for any other reason make the task stale: the replica refuses a task whose
         * {@code expectHave} is not its disk.
         */
        public boolean carries(List<TransferStep> plan, List<Integer> have) {
            if (plan.equals(steps)) {
                return have.equals(expectHave);
            }
            return !plan.isEmpty() && plan.size() < steps.size()
                    && steps.subList(steps.size() - plan.size(), steps.size()).equals(plan);
        }

        public boolean stalledAt(Instant now, Duration deadline) {
            return Duration.between(progressAt, now).compareTo(deadline) >= 0;
        }

        public Outstanding progressed(String fingerprint, Instant at) {
            return new Outstanding(taskId, expectHave, steps, issuedAt, fingerprint, at);
        }
    }

    public TaskLedger settled() {
        return outstanding.isEmpty() ? this : new TaskLedger(issued, Optional.empty());
    }

    public TaskLedger with(Outstanding task) {
        return new TaskLedger(issued, Optional.of(task));
    }
}
