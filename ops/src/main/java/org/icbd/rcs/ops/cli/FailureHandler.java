package org.icbd.rcs.ops.cli;

import picocli.CommandLine;

/**
 * Turns an exception escaping a subcommand into one clear line on stderr and exit code 1. The
 * stack trace is printed only with {@code ICBD_DEBUG=1}: operators need the reason, not the frames.
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        cmd.getErr().println("icbd " + cmd.getCommandName() + ": " + message);
        if ("1".equals(System.getenv("ICBD_DEBUG"))) {
            e.printStackTrace(cmd.getErr());
        }
        return cmd.getExitCodeExceptionMapper() != null ? cmd.getExitCodeExceptionMapper().getExitCode(e) : 1;
    }
}
