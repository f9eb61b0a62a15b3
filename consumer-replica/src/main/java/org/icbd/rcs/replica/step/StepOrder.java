package org.icbd.rcs.replica.step;

import java.util.Objects;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * One step to run: which task asks for it (for logs and reports), the image, the step (a full
 * version, or a delta from a parent found by its received uuid) and the codec asked of the master.
 *
 * @param taskId names the step in logs; any non-blank text (a bench names its own runs)
 */
public record StepOrder(String taskId, String image, TransferStep step, Compression compression) {

    public StepOrder {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(compression, "compression");
        if (taskId.isBlank()) {
            throw new IllegalArgumentException("taskId must not be blank");
        }
    }

    /** The request the master's send service is asked. */
    public TransferRequest request() {
        return new TransferRequest(image, step.version(), step.parentVersion(), compression);
    }

    /** The step as a phrase for messages: {@code ubuntu version 3 (delta from 2)}. */
    public String describe() {
        return image + " version " + step.version()
                + step.parentVersion().map(p -> " (delta from " + p + ")").orElse(" (full)");
    }
}
