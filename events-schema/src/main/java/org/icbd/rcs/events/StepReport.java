package org.icbd.rcs.events;

import java.util.Objects;
import java.util.Optional;

/**
 * How the last transfer step on a replica ended.
 *
 * @param errorClass present iff the outcome is FAILED
 * @param error      the reason, present iff the outcome is FAILED
 * @param bytes      stream bytes received (as on the wire, i.e. compressed when compression was used)
 * @param millis     from the request to the verified, promoted version (or to the failure)
 * @param hook       the post-apply hook's outcome; only on an APPLIED step, and only when a hook is
 *                   configured (a record written before hooks existed has none)
 * @param source     the id of the source the step was pulled from ({@link Sources#MASTER} or a peer
 *                   replica); absent in a record written before site peers existed
 */
public record StepReport(
        String taskId,
        int version,
        Outcome outcome,
        Optional<ErrorClass> errorClass,
        Optional<String> error,
        long bytes,
        long millis,
        Optional<HookReport> hook,
        Optional<String> source) {

    public StepReport {
        Fields.nonBlank(taskId, "lastStep.taskId");
        Fields.version(version, "lastStep.version");
        Fields.present(outcome, "lastStep.outcome");
        errorClass = Fields.optional(errorClass);
        error = Fields.optional(error);
        if (outcome == Outcome.FAILED && (errorClass.isEmpty() || error.isEmpty())) {
            throw new IllegalArgumentException("lastStep of a FAILED outcome needs errorClass and error");
        }
        if (outcome == Outcome.APPLIED && (errorClass.isPresent() || error.isPresent())) {
            throw new IllegalArgumentException("lastStep of an APPLIED outcome carries no errorClass or error");
        }
        Fields.nonNegative(bytes, "lastStep.bytes");
        Fields.nonNegative(millis, "lastStep.millis");
        hook = Fields.optional(hook);
        if (outcome != Outcome.APPLIED && hook.isPresent()) {
            throw new IllegalArgumentException("lastStep.hook is only reported for an APPLIED outcome: the hook"
                    + " runs after a promotion");
        }
        source = Fields.optional(source);
        source.ifPresent(s -> Fields.name(s, "lastStep.source"));
    }

    /** A report without a named source. */
    public StepReport(String taskId, int version, Outcome outcome, Optional<ErrorClass> errorClass,
                      Optional<String> error, long bytes, long millis, Optional<HookReport> hook) {
        this(taskId, version, outcome, errorClass, error, bytes, millis, hook, Optional.empty());
    }

    /** A report without a hook outcome. */
    public StepReport(String taskId, int version, Outcome outcome, Optional<ErrorClass> errorClass,
                      Optional<String> error, long bytes, long millis) {
        this(taskId, version, outcome, errorClass, error, bytes, millis, Optional.empty(), Optional.empty());
    }

    /** This report with the post-apply hook's outcome. */
    public StepReport withHook(HookReport report) {
        return new StepReport(taskId, version, outcome, errorClass, error, bytes, millis,
                Optional.of(Objects.requireNonNull(report, "hook")), source);
    }

    /** This report, naming the source the step was pulled from. */
    public StepReport withSource(String sourceId) {
        return new StepReport(taskId, version, outcome, errorClass, error, bytes, millis, hook,
                Optional.of(Objects.requireNonNull(sourceId, "source")));
    }

    /** The id of the source the step was pulled from: {@link Sources#MASTER} when none is named. */
    public String sourceId() {
        return Sources.orMaster(source);
    }

    public static StepReport applied(String taskId, int version, long bytes, long millis) {
        return new StepReport(taskId, version, Outcome.APPLIED, Optional.empty(), Optional.empty(), bytes, millis);
    }

    public static StepReport failed(String taskId, int version, ErrorClass errorClass, String error, long bytes,
                                    long millis) {
        return new StepReport(taskId, version, Outcome.FAILED, Optional.of(errorClass), Optional.of(error), bytes,
                millis);
    }
}
