package org.icbd.rcs.planner.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compact notation for histories and holdings used by the table-driven tests and by the
 * operator command {@code icbd plan --history 1,2,x3,5 --have 2 --keep 3}.
 *
 * <ul>
 *   <li>A history is a comma-separated list of versions, oldest first; {@code x3} marks version 3
 *       as retired. Example: {@code 1,2,x3,5}.</li>
 *   <li>Holdings are a comma-separated list of versions in any order; {@code 3!} means the
 *       replica's version 3 has a received_uuid that is not the master's uuid of version 3.
 *       Example: {@code 2,3!}.</li>
 *   <li>Either list may be empty, written as nothing, blanks, or {@code -}. Blanks around entries
 *       are ignored.</li>
 * </ul>
 *
 * <p>The notation carries no uuids: version {@code n} gets the deterministic
 * {@link #syntheticUuid(int) synthetic uuid} {@code 00000000-0000-0000-0000-<n, 12 digits>} on
 * both sides, and {@code n!} gets {@link #divergedUuid(int)} instead. In a parsed history each
 * version's informative parent is the entry before it. Validation is that of the records built:
 * an out-of-order history fails with {@link ImageHistory}'s message.
 */
public final class CompactNotation {

    private static final Pattern HISTORY_ENTRY = Pattern.compile("(x?)(\\d+)");
    private static final Pattern HOLDING_ENTRY = Pattern.compile("(\\d+)(!?)");

    private CompactNotation() {
    }

    /**
     * Parses a history such as {@code 1,2,x3,5}.
     *
     * @throws IllegalArgumentException naming the bad entry and its position
     */
    public static ImageHistory parseHistory(String text) {
        List<MasterVersion> versions = new ArrayList<>();
        List<String> entries = entries(text);
        for (int i = 0; i < entries.size(); i++) {
            Matcher m = HISTORY_ENTRY.matcher(entries.get(i));
            if (!m.matches()) {
                throw new IllegalArgumentException("history entry " + (i + 1) + " '" + entries.get(i)
                        + "' is not a version: expected a number like 5, or x5 for a retired version");
            }
            int version = number("history", i, m.group(2));
            // The parent is informative; an out-of-order entry gets none, so that the history's
            // own ordering check, not the parent's, reports the mistake.
            OptionalInt parent = versions.isEmpty() || versions.get(versions.size() - 1).version() >= version
                    ? OptionalInt.empty()
                    : OptionalInt.of(versions.get(versions.size() - 1).version());
            versions.add(new MasterVersion(version, syntheticUuid(version), parent, !m.group(1).isEmpty()));
        }
        return new ImageHistory(versions);
    }

    /**
     * Parses holdings such as {@code 2,3!}.
     *
     * @throws IllegalArgumentException naming the bad entry and its position
     */
    public static ReplicaHoldings parseHoldings(String text) {
        List<ReplicaHolding> held = new ArrayList<>();
        List<String> entries = entries(text);
        for (int i = 0; i < entries.size(); i++) {
            Matcher m = HOLDING_ENTRY.matcher(entries.get(i));
            if (!m.matches()) {
                throw new IllegalArgumentException("holdings entry " + (i + 1) + " '" + entries.get(i)
                        + "' is not a version: expected a number like 5, or 5! for a version whose"
                        + " received_uuid differs from the master's");
            }
            int version = number("holdings", i, m.group(1));
            held.add(new ReplicaHolding(version, m.group(2).isEmpty() ? syntheticUuid(version) : divergedUuid(version)));
        }
        return new ReplicaHoldings(held);
    }

    /** Renders a history in this notation, such as {@code 1, 2, x3, 5}, or {@code nothing}. */
    public static String render(ImageHistory history) {
        if (history.versions().isEmpty()) {
            return "nothing";
        }
        List<String> entries = new ArrayList<>();
        for (MasterVersion v : history.versions()) {
            entries.add((v.retired() ? "x" : "") + v.version());
        }
        return String.join(", ", entries);
    }

    /** The uuid the notation gives version {@code version}, on the master and on a replica. */
    public static SnapshotUuid syntheticUuid(int version) {
        return new SnapshotUuid(String.format("00000000-0000-0000-0000-%012d", requirePositive(version)));
    }

    /** The received_uuid the notation gives a held {@code version!}: never the master's. */
    public static SnapshotUuid divergedUuid(int version) {
        return new SnapshotUuid(String.format("ffffffff-0000-0000-0000-%012d", requirePositive(version)));
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

    private static int requirePositive(int version) {
        if (version <= 0) {
            throw new IllegalArgumentException("version must be > 0, was " + version);
        }
        return version;
    }
}
