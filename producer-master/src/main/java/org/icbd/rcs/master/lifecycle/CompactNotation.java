package org.icbd.rcs.master.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.rcs.events.Fields;

/**
 * The compact notation of retention's inputs, used by the table-driven tests and by
 * {@code icbd prune --history 1,2,x3,4,5 --have r1=2,4 --have r2=5 --keep 2}.
 *
 * <ul>
 *   <li>A history is a comma-separated list of versions, oldest first; {@code x3} marks version 3
 *       as retired. Example: {@code 1,2,x3,5}. This is the planner's grammar
 *       ({@code icbd plan --history}), so one history is written the same way to both commands.</li>
 *   <li>What a replica holds is {@code <replica>=<versions>}, the versions in any order:
 *       {@code r1=2,4}; {@code r3=} (or {@code r3=-}) for a replica holding nothing.</li>
 *   <li>A list may be empty, written as nothing, blanks, or {@code -}. Blanks around entries are
 *       ignored.</li>
 * </ul>
 */
public final class CompactNotation {

    private static final Pattern HISTORY_ENTRY = Pattern.compile("(x?)(\\d+)");
    private static final Pattern HELD_ENTRY = Pattern.compile("\\d+");

    private CompactNotation() {
    }

    /**
     * Parses a history such as {@code 1,2,x3,5}.
     *
     * @throws IllegalArgumentException naming the bad entry and its position
     */
    public static VersionHistory parseHistory(String text) {
        List<VersionHistory.Entry> versions = new ArrayList<>();
        List<String> entries = entries(text);
        for (int i = 0; i < entries.size(); i++) {
            Matcher m = HISTORY_ENTRY.matcher(entries.get(i));
            if (!m.matches()) {
                throw new IllegalArgumentException("history entry " + (i + 1) + " '" + entries.get(i)
                        + "' is not a version: expected a number like 5, or x5 for a retired version");
            }
            versions.add(new VersionHistory.Entry(number("history", i, m.group(2)), !m.group(1).isEmpty()));
        }
        return new VersionHistory(versions);
    }

    /**
     * Parses what one replica holds, such as {@code r1=2,4} or {@code r3=}; the replica is
     * {@link Presence#ONLINE online}.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static SubscribedReplica parseReplica(String text) {
        String trimmed = text == null ? "" : text.strip();
        int equals = trimmed.indexOf('=');
        if (equals < 0) {
            throw new IllegalArgumentException("'" + trimmed + "' is not REPLICA=VERSIONS: expected for example"
                    + " r1=2,4, or r3= for a replica holding nothing");
        }
        String replicaId = Fields.name(trimmed.substring(0, equals).strip(), "replicaId");
        List<Integer> held = new ArrayList<>();
        List<String> entries = entries(trimmed.substring(equals + 1));
        String list = "held versions of " + replicaId + ":";
        for (int i = 0; i < entries.size(); i++) {
            if (!HELD_ENTRY.matcher(entries.get(i)).matches()) {
                throw new IllegalArgumentException(list + " entry " + (i + 1) + " '" + entries.get(i)
                        + "' is not a version: expected a number like 5");
            }
            held.add(number(list, i, entries.get(i)));
        }
        return new SubscribedReplica(replicaId, held, Presence.ONLINE);
    }

    /** Renders a history in this notation, such as {@code 1, 2, x3, 5}, or {@code nothing}. */
    public static String render(VersionHistory history) {
        if (history.entries().isEmpty()) {
            return "nothing";
        }
        List<String> entries = new ArrayList<>();
        for (VersionHistory.Entry e : history.entries()) {
            entries.add((e.retired() ? "x" : "") + e.version());
        }
        return String.join(", ", entries);
    }

    private static List<String> entries(String text) {
        String trimmed = text == null ? "" : text.strip();
        if (trimmed.isEmpty() || trimmed.equals("-")) {
            return List.of();
        }
        List<String> entries = new ArrayList<>();
        for (String entry : trimmed.split(",", -1)) {
            entries.add(entry.strip());
        }
        return entries;
    }

    private static int number(String list, int index, String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(list + " entry " + (index + 1) + " '" + digits
                    + "' is too large for a version (at most " + Integer.MAX_VALUE + ")", e);
        }
    }
}
