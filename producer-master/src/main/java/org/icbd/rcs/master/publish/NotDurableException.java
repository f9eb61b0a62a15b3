package org.icbd.rcs.master.publish;

import java.nio.file.Path;

/**
 * The snapshot of a new version exists, but Kafka did not acknowledge its event in time. Temporary:
 * the snapshot stays, and the master service publishes it at its next reconciliation ({@code Reconciler}),
 * because the disk, not the topic, is the truth.
 */
public final class NotDurableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String image;
    private final int version;
    private final transient Path snapshot;

    NotDurableException(String image, int version, Path snapshot, String message, Throwable cause) {
        super(message, cause);
        this.image = image;
        this.version = version;
        this.snapshot = snapshot;
    }

    public String image() {
        return image;
    }

    public int version() {
        return version;
    }

    public Path snapshot() {
        return snapshot;
    }
}
