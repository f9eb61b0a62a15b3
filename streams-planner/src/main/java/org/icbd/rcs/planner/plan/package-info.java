/**
 * The pure planning core: for one image and one replica, the chain of transfer steps the replica
 * is missing, or a typed conflict.
 *
 * <p>Inputs are the master's {@link org.icbd.rcs.planner.plan.ImageHistory history} of the image
 * (retired versions included), the replica's {@link org.icbd.rcs.planner.plan.ReplicaHoldings
 * holdings} and the subscription's {@code keep}; {@link org.icbd.rcs.planner.plan.Planner#plan}
 * returns a {@link org.icbd.rcs.planner.plan.PlanResult}: a
 * {@link org.icbd.rcs.planner.plan.Plan} of {@link org.icbd.rcs.planner.plan.Step steps} or a
 * {@link org.icbd.rcs.planner.plan.Conflict}. The rules are stated on {@code Planner}.
 *
 * <p>Nothing here performs I/O or depends on Kafka or the event records: the Streams topology
 * maps events into these types, and the {@link org.icbd.rcs.planner.plan.CompactNotation}
 * serves the tests and the operator's {@code icbd plan} command. Every record validates its
 * fields on construction, so a value of these types is always well formed.
 */
package org.icbd.rcs.planner.plan;
