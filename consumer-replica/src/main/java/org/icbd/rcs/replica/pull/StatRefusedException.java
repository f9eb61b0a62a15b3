package org.icbd.rcs.replica.pull;

import java.io.IOException;

/** The master answered {@code icbd-stat/1} with a non-zero exit status: it has no stream to describe. */
public final class StatRefusedException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public StatRefusedException(int status, String reason) {
        super(MasterExitStatus.describe(status) + (reason == null || reason.isBlank() ? "" : " (master: "
                + reason.strip() + ")"));
        this.status = status;
    }

    /** The channel's exit status. */
    public int status() {
        return status;
    }
}
