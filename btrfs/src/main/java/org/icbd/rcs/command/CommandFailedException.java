package org.icbd.rcs.command;

import java.util.List;

/**
 * A command ran and exited with a non-zero status. The message reads like
 * {@code `btrfs receive -e /x` exited 1: ERROR: short read from stream}.
 */
public final class CommandFailedException extends CommandException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CommandFailedException(List<String> argv, int exitCode, String stderrTail) {
        super(argv, render(argv) + " exited " + exitCode + stderrSuffix(stderrTail), stderrTail, null);
        this.exitCode = exitCode;
    }

    /** The command's exit status (128 + n when a signal n ended it). */
    public int exitCode() {
        return exitCode;
    }
}
