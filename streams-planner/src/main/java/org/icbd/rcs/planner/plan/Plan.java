package org.icbd.rcs.planner.plan;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The ordered steps that take one replica from what it holds of an image to what it should
 * hold, and the {@link Basis} that says why the chain starts where it does.
 *
 * <p>Valid iff the steps form one chain and agree with the basis:
 * <ul>
 *   <li>only the first step may be a {@link Step.Full full send}; every later step is a delta
 *       whose parent is the previous step's version and uuid, so versions strictly increase and
 *       none is sent twice;</li>
 *   <li>{@link Basis.NoLiveVersion} and {@link Basis.InSync} have no step; {@link Basis.Initial}
 *       and {@link Basis.Reseed} start with a full send; {@link Basis.Incremental} starts with a
 *       delta from its base.</li>
 * </ul>
 * An empty plan means there is nothing to send.
 *
 * @param basis where the chain starts and why
 * @param steps the transfers, in the order they must be applied
 */
public record Plan(Basis basis, List<Step> steps) implements PlanResult {

    /** Checks the chain and its agreement with the basis. */
    public Plan {
        Objects.requireNonNull(basis, "basis must not be null");
        Objects.requireNonNull(steps, "steps must not be null");
        steps = List.copyOf(steps);
        requireStartFitsBasis(basis, steps);
        for (int i = 1; i < steps.size(); i++) {
            Step previous = steps.get(i - 1);
            if (!(steps.get(i) instanceof Step.Delta delta)
                    || delta.parentVersion() != previous.version()
                    || !delta.parentUuid().equals(previous.uuid())) {
                throw new IllegalArgumentException("steps must form a chain, but step " + (i + 1) + " ("
                        + steps.get(i).render() + ") is not a delta from step " + i + " (" + previous.render() + ")");
            }
        }
    }

    /** True iff there is nothing to send. */
    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** The steps, comma-separated ({@code full 8, 8->9, 9->10}), or {@code none}. */
    @Override
    public String render() {
        return render(steps);
    }

    /** Two lines: {@code plan: <steps>} and {@code why:  <basis>}. */
    @Override
    public String describe() {
        return "plan: " + render() + "\nwhy:  " + basis.explain(steps);
    }

    private static String render(List<Step> steps) {
        return steps.isEmpty() ? "none" : steps.stream().map(Step::render).collect(Collectors.joining(", "));
    }

    private static void requireStartFitsBasis(Basis basis, List<Step> steps) {
        boolean fits;
        String expected;
        if (basis instanceof Basis.NoLiveVersion || basis instanceof Basis.InSync) {
            fits = steps.isEmpty();
            expected = "no step";
        } else if (basis instanceof Basis.Incremental incremental) {
            fits = !steps.isEmpty()
                    && steps.get(0) instanceof Step.Delta first
                    && first.parentVersion() == incremental.base();
            expected = "a first step that is a delta from " + incremental.base();
        } else {
            fits = !steps.isEmpty() && steps.get(0) instanceof Step.Full;
            expected = "a first step that is a full send";
        }
        if (!fits) {
            throw new IllegalArgumentException(
                    "steps must fit the basis " + basis + " (" + expected + "), were " + render(steps));
        }
    }

    /** Why a plan starts where it does. */
    public sealed interface Basis {

        /** One sentence for an operator, given the plan's steps. */
        String explain(List<Step> steps);

        /** The master has no live version of the image (none yet, or all retired): no step. */
        record NoLiveVersion() implements Basis {
            @Override
            public String explain(List<Step> steps) {
                return "the master has no live version of this image (none published yet, or all retired):"
                        + " nothing to send";
            }
        }

        /**
         * The replica holds the newest live version: in sync, even if it lacks older versions
         * within its keep (those are not backfilled). No step.
         *
         * @param newestLive the newest live version, which the replica holds
         */
        record InSync(int newestLive) implements Basis {
            @Override
            public String explain(List<Step> steps) {
                return "the replica holds " + newestLive + ", the newest live version: in sync";
            }
        }

        /** The replica holds nothing of the image: the chain starts with a full send. */
        record Initial() implements Basis {
            @Override
            public String explain(List<Step> steps) {
                return "the replica holds nothing of this image: a full send of " + steps.get(0).version()
                        + ", the oldest version it keeps" + (steps.size() > 1 ? ", then deltas" : "");
            }
        }

        /**
         * The replica holds {@code base}, the newest version it has that is live on the master:
         * the chain starts with a delta from {@code base}.
         *
         * @param base the parent of the first delta
         */
        record Incremental(int base) implements Basis {
            @Override
            public String explain(List<Step> steps) {
                return "deltas from " + base + ", the newest version the replica holds that is live on the master";
            }
        }

        /**
         * The replica holds versions of the image, but every one is retired on the master, which
         * therefore cannot compute a delta from any of them: the chain starts with a full send.
         *
         * @param retiredHeld the replica's versions, all retired on the master, oldest first; not
         *                    empty (a replica holding nothing is {@link Initial})
         */
        record Reseed(List<Integer> retiredHeld) implements Basis {

            /** Copies the list and rejects an empty one. */
            public Reseed {
                retiredHeld = List.copyOf(retiredHeld);
                if (retiredHeld.isEmpty()) {
                    throw new IllegalArgumentException(
                            "retiredHeld must not be empty: a replica holding nothing is Initial");
                }
            }

            @Override
            public String explain(List<Step> steps) {
                return "the replica's versions (" + retiredHeld.stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + ") are all retired on the master, which cannot send a delta from them: a full send of "
                        + steps.get(0).version() + (steps.size() > 1 ? ", then deltas" : "");
            }
        }
    }
}
