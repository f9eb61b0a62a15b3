package org.icbd.rcs.planner.plan;

/**
 * What {@link Planner#plan} decides for one image and one replica: a {@link Plan} (possibly
 * empty) or a {@link Conflict} that an operator must resolve.
 */
public sealed interface PlanResult permits Plan, Conflict {

    /** One line for status views and logs, e.g. {@code full 8, 8->9, 9->10}. */
    String render();

    /** Several lines for an operator: what will happen, or what is wrong and what to do. */
    String describe();
}
