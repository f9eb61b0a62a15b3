package org.icbd.rcs.command;

import java.io.IOException;
import java.util.List;

/**
 * A command could not be started at all: the executable is missing or not executable, or the system
 * refused a new process. Nothing ran, so there is no exit code and no stderr.
 */
public final class CommandStartException extends CommandException {
    private static final long serialVersionUID = 1L;

    public CommandStartException(List<String> argv, IOException cause) {
        super(argv, "could not start " + render(argv) + ": " + cause.getMessage(), "", cause);
    }
}
