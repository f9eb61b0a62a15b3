package org.icbd.rcs.command;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A command did not succeed. The subtypes say how: {@link CommandFailedException} (it ran and exited
 * non-zero), {@link CommandTimeoutException} (it ran too long and was killed), {@link
 * CommandStartException} (it never ran). This base type is thrown as is for the remaining cases (the
 * caller's thread was interrupted, the output exceeded its bound).
 *
 * <p>The argument list and the stderr tail stay accessible so that callers can classify a failure as
 * transient or permanent without parsing the message.
 */
public class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> argv;
    private final String stderrTail;

    public CommandException(List<String> argv, String message, String stderrTail, Throwable cause) {
        super(message, cause);
        this.argv = List.copyOf(argv);
        this.stderrTail = Objects.requireNonNull(stderrTail, "stderrTail");
    }

    /** The command as it was started. */
    public List<String> argv() {
        return argv;
    }

    /** The last lines the command wrote to stderr (bounded); empty if none or if it never ran. */
    public String stderrTail() {
        return stderrTail;
    }

    /**
     * The command as a reader would type it, in backquotes: for messages and logs only, never executed.
     * Arguments with spaces or quotes are single-quoted so that the boundaries stay visible.
     */
    public static String render(List<String> argv) {
        return argv.stream().map(CommandException::quote).collect(Collectors.joining(" ", "`", "`"));
    }

    private static String quote(String arg) {
        if (!arg.isEmpty() && arg.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '"')) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** ": " and the stderr tail on one line per original line, or a note that there was none. */
    static String stderrSuffix(String stderrTail) {
        return stderrTail.isBlank() ? " (no stderr output)" : ": " + stderrTail.strip();
    }
}
