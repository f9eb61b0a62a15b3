package org.icbd.rcs.btrfs;

/**
 * Something about btrfs was not as this library requires, beyond a command's exit status: output that
 * does not parse, a received subvolume that cannot be identified, a pool that cannot be set up. The
 * message says what was tried, on what, and what was found. Failures of a btrfs command itself are
 * {@link org.icbd.rcs.command.CommandFailedException}s, which carry the exit code and btrfs's stderr.
 */
public class BtrfsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BtrfsException(String message) {
        super(message);
    }

    public BtrfsException(String message, Throwable cause) {
        super(message, cause);
    }
}
