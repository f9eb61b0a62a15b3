package org.icbd.rcs.events;

import java.util.Optional;

/**
 * How a replica's post-apply hook went after a promotion (the hand-off to the boot layer, e.g.
 * reloading NFS exports). A failed hook does not undo the version: it stays promoted and
 * {@code current} points at it.
 *
 * @param exitCode the hook's exit status; empty when it could not be started or was killed at its
 *                 timeout
 * @param error    what went wrong, with the hook's stderr tail; present iff the hook failed (a
 *                 non-zero exit, a timeout, or it could not be started)
 * @param millis   from starting the hook to its exit (or to the failure)
 */
public record HookReport(Optional<Integer> exitCode, Optional<String> error, long millis) {

    public HookReport {
        exitCode = Fields.optional(exitCode);
        error = Fields.optional(error);
        boolean exitedZero = exitCode.isPresent() && exitCode.get() == 0;
        if (exitedZero == error.isPresent()) {
            throw new IllegalArgumentException("lastStep.hook.error must be present iff the hook did not exit 0"
                    + " (exitCode=" + exitCode.map(String::valueOf).orElse("none") + ", error="
                    + error.map(Fields::abbreviate).orElse("none") + ")");
        }
        error.ifPresent(e -> Fields.nonBlank(e, "lastStep.hook.error"));
        Fields.nonNegative(millis, "lastStep.hook.millis");
    }

    /** The hook exited 0. */
    public static HookReport succeeded(long millis) {
        return new HookReport(Optional.of(0), Optional.empty(), millis);
    }

    /** The hook exited {@code exitCode}, not 0. */
    public static HookReport exited(int exitCode, String error, long millis) {
        return new HookReport(Optional.of(exitCode), Optional.of(error), millis);
    }

    /** The hook never exited by itself: it could not be started, or it was killed at its timeout. */
    public static HookReport noExit(String error, long millis) {
        return new HookReport(Optional.empty(), Optional.of(error), millis);
    }

    /** Whether the hook exited 0. */
    public boolean ok() {
        return error.isEmpty();
    }
}
