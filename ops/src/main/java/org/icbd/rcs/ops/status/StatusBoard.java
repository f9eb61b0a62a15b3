package org.icbd.rcs.ops.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.master.lifecycle.Retention;


/**
 * The operator's view of {@code icbd.replication-status}: the latest record per (replica, image),
 * rendered as a table. Pure: records in, text out.
 */
public final class StatusBoard {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());
    private static final int ERROR_WIDTH = 60;

    private final Map<String, ReplicationStatus> byKey = new TreeMap<>();
    /** Each registered replica's last heartbeat, from {@code icbd.replicas}. */
    private final Map<String, Instant> lastSeen = new HashMap<>();
    private final Clock clock;
    private final Duration offlineLimit;

    /** A board that marks replicas OFFLINE past the master's default limit ({@link Retention#DEFAULT_OFFLINE_LIMIT}). */
    public StatusBoard() {
        this(Clock.systemUTC(), Retention.DEFAULT_OFFLINE_LIMIT);
    }

    /**
     * @param offlineLimit how long a replica may be silent and still protect its next parent on the
     *                     master; past it, retention may delete that parent and the replica will
     *                     need a full re-seed, which the board says
     */
    public StatusBoard(Clock clock, Duration offlineLimit) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.offlineLimit = Objects.requireNonNull(offlineLimit, "offlineLimit");
    }

    /** Applies one record of {@code icbd.replicas}; a null value (tombstone) forgets the replica. */
    public void applyRegistration(String replicaId, ReplicaRegistered registration) {
        if (registration == null) {
            lastSeen.remove(replicaId);
        } else {
            lastSeen.put(replicaId, registration.lastSeen());
        }
    }

    /**
     * True iff the pair is OFFLINE and its replica was last seen longer ago than the offline limit:
     * the master's retention no longer keeps its next parent (the same rule as the master's), so it
     * will re-seed with a full send when it returns.
     */
    public boolean willReseed(ReplicationStatus s) {
        Instant seen = lastSeen.get(s.replicaId());
        return s.state() == ReplicationState.OFFLINE && seen != null
                && Duration.between(seen, clock.instant()).compareTo(offlineLimit) > 0;
    }

    /** Applies one record of the compacted topic; a null value (tombstone) removes the pair. */
    public boolean apply(String key, ReplicationStatus status) {
        if (status == null) {
            return byKey.remove(key) != null;
        }
        ReplicationStatus previous = byKey.put(key, status);
        return !status.equals(previous);
    }

    public List<ReplicationStatus> rows() {
        List<ReplicationStatus> rows = new ArrayList<>(byKey.values());
        rows.sort(Comparator.comparing(ReplicationStatus::replicaId).thenComparing(ReplicationStatus::image));
        return rows;
    }

    /** Pairs an operator must look at: FAILED or OFFLINE. */
    public List<ReplicationStatus> needingAttention() {
        return rows().stream().filter(s -> s.state().needsAttention()).toList();
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** The table, one line per pair, with a header; columns padded to their widest cell. */
    public String render() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"REPLICA", "SITE", "IMAGE", "HAVE", "LATEST", "STATE", "LAG", "LAST APPLIED",
                "LAST ERROR"});
        for (ReplicationStatus s : rows()) {
            lines.add(new String[] {
                    s.replicaId(),
                    s.site(),
                    s.image(),
                    s.have().isEmpty() ? "-" : ranges(s.have()),
                    s.latest().map(String::valueOf).orElse("-"),
                    state(s),
                    String.valueOf(s.lagVersions()),
                    s.lastAppliedAt().map(WHEN::format).orElse("-"),
                    s.lastError().map(StatusBoard::oneLine).orElse("-")});
        }
        int[] widths = new int[lines.get(0).length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] line : lines) {
            StringBuilder row = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                row.append(i == line.length - 1 ? line[i] : pad(line[i], widths[i] + 2));
            }
            out.append(row.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** A one-line summary of what needs attention, or empty when nothing does. */
    public Optional<String> attentionSummary() {
        List<ReplicationStatus> bad = needingAttention();
        if (bad.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder b = new StringBuilder().append(bad.size()).append(bad.size() == 1 ? " pair needs" : " pairs need")
                .append(" attention:");
        for (ReplicationStatus s : bad) {
            b.append(' ').append(s.replicaId()).append('/').append(s.image()).append(' ').append(s.state());
        }
        return Optional.of(b.toString());
    }

    private String state(ReplicationStatus s) {
        Optional<TransferProgress> t = s.transfer();
        if (t.isEmpty()) {
            return willReseed(s) ? s.state().name() + ", will re-seed" : s.state().name();
        }
        TransferProgress p = t.get();
        return s.state().name() + " v" + p.version() + " " + megabytes(p.bytes())
                + p.totalBytes().map(total -> "/" + megabytes(total)).orElse("") + " MB @ "
                + megabytes(p.bytesPerSecond()) + " MB/s" + p.etaSeconds().map(e -> " ETA " + eta(e)).orElse("");
    }

    /** {@code 45s}, {@code 3m05s}, {@code 2h07m}: the time left of a transfer. */
    static String eta(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(java.util.Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1_000_000.0);
    }

    /** "1-3,5,7-8" for [1,2,3,5,7,8]. */
    static String ranges(List<Integer> versions) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < versions.size()) {
            int start = versions.get(i);
            int end = start;
            while (i + 1 < versions.size() && versions.get(i + 1) == end + 1) {
                end = versions.get(++i);
            }
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(start);
            if (end != start) {
                b.append(end == start + 1 ? "," : "-").append(end);
            }
            i++;
        }
        return b.toString();
    }

    private static String oneLine(String error) {
        String flat = error.replaceAll("\\s+", " ").strip();
        return flat.length() <= ERROR_WIDTH ? flat : flat.substring(0, ERROR_WIDTH - 3) + "...";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** How old the newest record is, for the watch view's footer. */
    public Optional<Duration> age(Instant now) {
        return byKey.values().stream().map(ReplicationStatus::updatedAt).max(Comparator.naturalOrder())
                .map(newest -> Duration.between(newest, now));
    }
}
