package org.icbd.rcs.replica.handoff;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandResult;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.HookReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hand-off to the boot layer: runs the configured command once after each promotion, once
 * {@code images/<image>/current} has been switched, so that the services exporting images to
 * workstations (NFS, iSCSI, HTTP) can reload. The command gets, beside the service's environment:
 *
 * <pre>
 * ICBD_IMAGE    the image
 * ICBD_VERSION  the version just promoted
 * ICBD_PATH     its absolute path, &lt;pool&gt;/images/&lt;image&gt;/versions/&lt;n&gt;
 * </pre>
 *
 * <p>{@code current} points at the newest held version, which is the one just promoted unless an older
 * version was promoted after a newer one; the hook runs either way, once per promotion.
 *
 * <p>A hook that fails (a non-zero exit, its timeout, or it cannot be started) is logged at WARN and
 * reported; it never undoes the version, which stays promoted with {@code current} pointing at it.
 * Thread-safe; {@link #none()} is the hook of a replica without one.
 */
public final class PostApplyHook {

    private static final Logger log = LoggerFactory.getLogger(PostApplyHook.class);

    public static final String ENV_IMAGE = "ICBD_IMAGE";
    public static final String ENV_VERSION = "ICBD_VERSION";
    public static final String ENV_PATH = "ICBD_PATH";

    private static final PostApplyHook NONE = new PostApplyHook("-", Optional.empty(), new CommandRunner());

    private final String replicaId;
    private final Optional<PostApplyCommand> command;
    private final CommandRunner runner;

    public PostApplyHook(String replicaId, Optional<PostApplyCommand> command, CommandRunner runner) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.command = Objects.requireNonNull(command, "command");
        this.runner = Objects.requireNonNull(runner, "runner");
    }

    /** No hook: {@link #afterPromotion} does nothing and reports nothing. */
    public static PostApplyHook none() {
        return NONE;
    }

    /**
     * Runs the hook for {@code version} of {@code image}, promoted at {@code path}; waits for it, bounded by
     * its timeout.
     *
     * @return its outcome; empty when no hook is configured
     */
    public Optional<HookReport> afterPromotion(String image, int version, Path path) {
        if (command.isEmpty()) {
            return Optional.empty();
        }
        PostApplyCommand c = command.get();
        Map<String, String> environment = Map.of(ENV_IMAGE, image, ENV_VERSION, Integer.toString(version),
                ENV_PATH, path.toAbsolutePath().toString());
        long start = System.nanoTime();
        HookReport report;
        try {
            CommandResult result = runner.runAnyExit(c.argv(), environment, c.timeout());
            long millis = millisSince(start);
            if (result.succeeded()) {
                log.info("replica {} image {} version {}: post-apply hook {} succeeded in {} ms", replicaId, image,
                        version, CommandException.render(c.argv()), millis);
                return Optional.of(HookReport.succeeded(millis));
            }
            String tail = result.stderrTail().strip();
            report = HookReport.exited(result.exitCode(), CommandException.render(c.argv()) + " exited "
                    + result.exitCode() + (tail.isEmpty() ? " (no stderr output)" : ": " + tail), millis);
        } catch (CommandException e) {
            // Killed at its timeout, could not be started, or this thread was interrupted (it was then killed).
            report = HookReport.noExit(e.getMessage(), millisSince(start));
        }
        log.warn("replica {} image {} version {}: post-apply hook failed (exit {}): {}; the version stays"
                + " promoted and current points at the newest", replicaId, image, version,
                report.exitCode().map(String::valueOf).orElse("none"), report.error().orElseThrow());
        return Optional.of(report);
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Override
    public String toString() {
        return command.map(c -> CommandException.render(c.argv()) + " (timeout " + c.timeout() + ")").orElse("none");
    }
}
