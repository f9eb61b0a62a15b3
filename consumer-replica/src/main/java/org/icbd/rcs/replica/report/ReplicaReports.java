package org.icbd.rcs.replica.report;

import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ReplicaImageState;

/**
 * What the task loop reports: per-image states (acknowledged before an offset is committed), the
 * progress of a transfer in flight, and the records it could not use. {@link ReplicaPublisher} on Kafka.
 */
public interface ReplicaReports {

    /**
     * Publishes the state of one image and waits for the acknowledgement.
     *
     * @throws PublishException if it was not acknowledged
     */
    void publishState(ReplicaImageState state);

    /** Publishes a progress state without waiting; a failure is logged, the next one tries again. */
    void publishProgress(ReplicaImageState state);

    /**
     * Publishes a record that could not be used, under its original key, and waits.
     *
     * @throws PublishException if it was not acknowledged
     */
    void publishDeadLetter(String originalKey, DeadLetter letter);
}
