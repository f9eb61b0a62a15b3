package org.icbd.rcs.master.repo;

/**
 * The repository cannot do what was asked; {@link #reason()} classifies it for exit codes, HTTP
 * statuses and SSH refusals, the message says what and where for a person.
 */
public final class RepositoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** An image name or version number that breaks the naming rules. */
        INVALID_NAME,
        /** The pool directory is missing or not on btrfs. */
        NOT_BTRFS,
        /** No such image in the pool (never initialised). */
        NO_SUCH_IMAGE,
        /** {@code init} of an image that already exists. */
        ALREADY_EXISTS,
        /** The image exists but its {@code work} subvolume does not. */
        WORK_MISSING,
        /** No read-only snapshot with that version number under the image's {@code versions/}. */
        NO_SUCH_VERSION,
        /** The disk does not look as the layout says (a file where a directory belongs, an I/O error). */
        DISK
    }

    private final Reason reason;

    public RepositoryException(Reason reason, String message) {
        this(reason, message, null);
    }

    public RepositoryException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
