package org.icbd.rcs.replica.handoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The post-apply hook as configured: an argument list run directly (never through a shell) and how
 * long it may take.
 *
 * @param argv    the executable, as an absolute path, then its arguments
 * @param timeout after this the hook is killed and reported failed
 */
public record PostApplyCommand(List<String> argv, Duration timeout) {

    public PostApplyCommand {
        argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("the command must name an executable");
        }
        // No search of PATH: the executable that runs is the one configured.
        if (!Path.of(argv.get(0)).isAbsolute()) {
            throw new IllegalArgumentException("the executable must be an absolute path, got '" + argv.get(0) + "'");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
        }
    }
}
