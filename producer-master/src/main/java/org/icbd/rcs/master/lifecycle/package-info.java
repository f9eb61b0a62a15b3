/**
 * The image lifecycle's pure core: which versions of an image the master may delete.
 *
 * <p>{@link org.icbd.rcs.master.lifecycle.Retention#decide} takes the image's
 * {@link org.icbd.rcs.master.lifecycle.VersionHistory history}, every
 * {@link org.icbd.rcs.master.lifecycle.SubscribedReplica subscribed replica} (what it holds and
 * its {@link org.icbd.rcs.master.lifecycle.Presence presence}), {@code keep}, {@code now} and the
 * OFFLINE limit, and returns a {@link org.icbd.rcs.master.lifecycle.RetentionDecision};
 * {@link org.icbd.rcs.master.lifecycle.Retention#mayRetire} answers the same question for one
 * version as a {@link org.icbd.rcs.master.lifecycle.RetireVerdict}. The rules, and the definition
 * of a replica's next parent, are stated on {@code Retention}.
 *
 * <p>Nothing here performs I/O, reads a clock or depends on Kafka: callers map events and disk
 * listings into these types, and the {@link org.icbd.rcs.master.lifecycle.CompactNotation}
 * serves the tests and {@code icbd prune}. Every record validates its fields on construction.
 */
package org.icbd.rcs.master.lifecycle;
