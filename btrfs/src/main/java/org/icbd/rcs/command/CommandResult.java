package org.icbd.rcs.command;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a finished command left: its exit status, its whole stdout (bounded by the runner), the tail of
 * its stderr and how long it ran.
 */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderrTail, Duration duration) {

    public CommandResult {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderrTail, "stderrTail");
        Objects.requireNonNull(duration, "duration");
    }

    /** Whether the command exited with status 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }
}
