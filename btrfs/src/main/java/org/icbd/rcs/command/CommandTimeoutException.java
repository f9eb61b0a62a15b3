package org.icbd.rcs.command;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** A command did not exit within its timeout; it and its descendants were killed. */
public final class CommandTimeoutException extends CommandException {
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    public CommandTimeoutException(List<String> argv, Duration timeout, String stderrTail) {
        super(argv, render(argv) + " did not exit within " + timeout + " and was killed"
                + stderrSuffix(stderrTail), stderrTail, null);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The timeout that expired. */
    public Duration timeout() {
        return timeout;
    }
}
