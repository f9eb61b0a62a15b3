/**
 * The Kafka Streams application around the planning core: {@link
 * org.icbd.rcs.planner.topology.PlannerTopology} builds it (its javadoc draws the sub-topologies,
 * stores and internal topics), {@link org.icbd.rcs.planner.topology.ImagePlanner} keeps the
 * per-image stores, and {@link org.icbd.rcs.planner.topology.PairReview} decides, purely, what a
 * (replica, image) pair gets: a task, and its status.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every input record is read here, never by a Streams deserializer: one that cannot be used
 *       becomes a {@link org.icbd.rcs.events.DeadLetter} on {@code icbd.dead-letters} (original
 *       key, bytes, topic, partition, offset, reason) and processing goes on.</li>
 *   <li>Redelivered and reordered inputs change nothing: each is compared with what is stored
 *       (equal: ignored; older {@code at} or {@code lastSeen}: ignored; a version event is merged
 *       into the history idempotently).</li>
 *   <li>A task is issued when the plan is non-empty and the outstanding task does not carry it,
 *       or, on the wall-clock sweep, when the outstanding task made no progress for the stall
 *       deadline and the replica is online. Task ids {@code <replica>/<image>/<n>} count per pair
 *       and are never reused.</li>
 *   <li>A status is emitted when anything but {@code updatedAt} differs from the last one
 *       emitted; an unsubscribed or deregistered pair gets a tombstone. States, first match wins:
 *       OFFLINE (no heartbeat for offline-after), FAILED (planner conflict), IN_SYNC (nothing to
 *       send), TRANSFERRING (a transfer in flight), FAILED (last step failed), TRANSFERRING
 *       (between steps of the outstanding task), BEHIND.</li>
 *   <li>All state lives in logged stores; with exactly-once processing a restart, on the same or
 *       another machine, resumes without losing or repeating a task.</li>
 * </ul>
 */
package org.icbd.rcs.planner.topology;
