package org.icbd.rcs.master.status;

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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.master.lifecycle.Retention;


/**
 * The operator's view of {@code icbd.replication-status}: the latest record per (replica, image),
 * rendered as a table, with the phone book of {@code icbd.replicas} ({@link #replicas}) and the
 * planners' heartbeats of {@code icbd.planners} ({@link #planner}), which say how old the view is.
 * Pure: records in, text and values out. Shared by {@code icbd status}, {@code icbd replicas} and the
 * master's status page; not thread-safe (callers that share one synchronise).
 */
public final class StatusBoard {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());
    private static final int ERROR_WIDTH = 60;

    private final Map<String, ReplicationStatus> byKey = new TreeMap<>();
    /** Each registered replica's latest registration (its last heartbeat is its {@code lastSeen}), from {@code icbd.replicas}. */
    private final Map<String, ReplicaRegistered> registrations = new TreeMap<>();
    /** Each live planner instance's latest heartbeat, from {@code icbd.planners}. */
    private final Map<String, PlannerHeartbeat> planners = new HashMap<>();
    /** Each pair's last step as its replica reported it on {@code icbd.replica-state}, by pair key. */
    private final Map<String, StepReport> lastSteps = new HashMap<>();
    /** The bytes of the APPLIED steps, by the source they were pulled from. */
    private final Map<String, Long> served = new TreeMap<>();
    /** The APPLIED steps counted in {@link #served}: replica, image, task and version. */
    private final Set<String> counted = new HashSet<>();
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
            registrations.remove(replicaId);
        } else {
            registrations.put(replicaId, registration);
        }
    }

    /**
     * Applies one record of {@code icbd.replica-state}: the pair's last step (where it came from),
     * and, the first time an APPLIED step is seen (a replica repeats its last step in every state
     * until the next one), its bytes added to what its source served. A null value (tombstone)
     * forgets the pair's last step, not the bytes.
     */
    public void applyState(String key, ReplicaImageState state) {
        if (state == null) {
            lastSteps.remove(key);
            return;
        }
        Optional<StepReport> step = state.lastStep();
        if (step.isEmpty()) {
            return;
        }
        StepReport l = step.get();
        lastSteps.put(key, l);
        if (l.outcome() == Outcome.APPLIED
                && counted.add(state.replicaId() + "/" + state.image() + "/" + l.taskId() + "@" + l.version())) {
            served.merge(l.sourceId(), l.bytes(), Long::sum);
        }
    }

    /** The pair's last step, as its replica last reported it; empty before its first step. */
    public Optional<StepReport> lastStep(ReplicationStatus s) {
        return Optional.ofNullable(lastSteps.get(s.replicaId() + "/" + s.image()));
    }

    /**
     * The bytes of the APPLIED steps by the source they came from: {@link Sources#MASTER} first, then
     * each peer by id (as far back as the compacted state topic keeps its records: each pair's
     * newest state at least).
     */
    public Map<String, Long> served() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put(Sources.MASTER, served.getOrDefault(Sources.MASTER, 0L));
        served.forEach((source, bytes) -> out.putIfAbsent(source, bytes));
        return out;
    }

    /** {@code served: master 120.4 MB, lab-1-a 240.8 MB}: the line under {@code icbd status}'s table. */
    public String servedLine() {
        List<String> parts = new ArrayList<>();
        served().forEach((source, bytes) -> parts.add(source + " " + megabytes(bytes) + " MB"));
        return "served: " + String.join(", ", parts);
    }

    /** Applies one record of {@code icbd.planners}; a null value (a planner's clean stop) forgets the instance. */
    public void applyPlannerHeartbeat(String key, PlannerHeartbeat heartbeat) {
        if (heartbeat == null) {
            planners.remove(key);
        } else {
            planners.put(key, heartbeat);
        }
    }

    /**
     * True iff the pair is OFFLINE and its replica was last seen longer ago than the offline limit:
     * the master's retention no longer keeps its next parent (the same rule as the master's), so it
     * will re-seed with a full send when it returns.
     */
    public boolean willReseed(ReplicationStatus s) {
        ReplicaRegistered registration = registrations.get(s.replicaId());
        Instant seen = registration == null ? null : registration.lastSeen();
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
                "LAST STEP", "LAST ERROR"});
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
                    lastStep(s).map(StatusBoard::step).orElse("-"),
                    s.lastError().map(StatusBoard::oneLine).orElse("-")});
        }
        return table(lines);
    }

    /** Rows padded to their widest cell, the last column unpadded. */
    private static String table(List<String[]> lines) {
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

    /** {@code v3 from lab-1-a}, {@code v3 FAILED from master}: a step and where it came from. */
    static String step(StepReport l) {
        return "v" + l.version() + (l.outcome() == Outcome.FAILED ? " FAILED" : "") + " from " + l.sourceId();
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

    /** The clock the board judges ages by. */
    public Instant now() {
        return clock.instant();
    }

    /**
     * What the planners' heartbeats say: when one was last heard, and whether the planner has been
     * silent for longer than {@code silentAfter} (or never heard at all, or every instance stopped),
     * in which case the statuses may be out of date.
     */
    public PlannerHealth planner(Duration silentAfter) {
        Objects.requireNonNull(silentAfter, "silentAfter");
        Optional<Instant> last = planners.values().stream().map(PlannerHeartbeat::at).max(Comparator.naturalOrder());
        Optional<Duration> age = last.map(at -> positive(Duration.between(at, clock.instant())));
        boolean silent = age.map(a -> a.compareTo(silentAfter) > 0).orElse(true);
        return new PlannerHealth(last, age, planners.size(), silent, silentAfter);
    }

    /**
     * The planners' health as the status page and {@code icbd status} show it.
     *
     * @param lastHeard when the newest heartbeat of any planner instance was sent; empty when none is known
     * @param age       how long ago that was
     * @param instances how many planner instances have a live entry
     * @param silent    true iff no heartbeat is known or the newest is older than {@code silentAfter}
     */
    public record PlannerHealth(Optional<Instant> lastHeard, Optional<Duration> age, int instances, boolean silent,
                                Duration silentAfter) {

        /** The warning an operator reads when the planner is silent; empty when it is not. */
        public Optional<String> warning() {
            if (!silent) {
                return Optional.empty();
            }
            if (lastHeard.isEmpty()) {
                return Optional.of("no planner heartbeat on icbd.planners: the status shown may be out of date;"
                        + " is the planner running (icbd planner)?");
            }
            return Optional.of("the planner has been silent for " + StatusBoard.human(age.orElseThrow())
                    + " (last heartbeat " + WHEN.format(lastHeard.get()) + ", threshold "
                    + StatusBoard.human(silentAfter) + "): the status shown may be out of date;"
                    + " is the planner running (icbd planner)?");
        }
    }

    /**
     * The age line under the table: how old the newest status record is and when the planner was last
     * heard, e.g. {@code newest status 42 s old; planner heard 3 s ago (1 instance)}.
     */
    public String ageLine(Duration silentAfter) {
        PlannerHealth p = planner(silentAfter);
        String status = age(clock.instant()).map(a -> "newest status " + human(positive(a)) + " old")
                .orElse("no status records");
        String planner = p.age().map(a -> "planner heard " + human(a) + " ago (" + p.instances()
                + (p.instances() == 1 ? " instance)" : " instances)")).orElse("planner never heard");
        return status + "; " + planner;
    }

    /**
     * One phone-book entry per registered replica, sorted by id. A replica is OFFLINE iff the planner's
     * latest status of any of its pairs says OFFLINE (the planner's rule: no heartbeat for its
     * offline-after); a replica with no status yet (it subscribes to nothing, or the planner has not
     * judged it) is OFFLINE iff its last heartbeat is older than {@code offlineAfter}.
     */
    public List<PhoneBookEntry> replicas(Duration offlineAfter) {
        List<PhoneBookEntry> entries = new ArrayList<>();
        for (ReplicaRegistered r : registrations.values()) {
            List<ReplicationStatus> pairs = byKey.values().stream().filter(s -> s.replicaId().equals(r.replicaId()))
                    .toList();
            Duration silent = positive(Duration.between(r.lastSeen(), clock.instant()));
            boolean offline = pairs.isEmpty() ? silent.compareTo(offlineAfter) > 0
                    : pairs.stream().anyMatch(s -> s.state() == ReplicationState.OFFLINE);
            entries.add(new PhoneBookEntry(r.replicaId(), r.site(), r.subscriptions(), r.lastSeen(), silent.toSeconds(),
                    r.software(), offline ? PhoneBookEntry.OFFLINE : PhoneBookEntry.ONLINE));
        }
        return entries;
    }

    /** The phone book as a table, one line per replica, with a header. */
    public String renderReplicas(Duration offlineAfter) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"REPLICA", "SITE", "SUBSCRIPTIONS", "LAST SEEN", "SOFTWARE", "STATE"});
        for (PhoneBookEntry e : replicas(offlineAfter)) {
            lines.add(new String[] {
                    e.replicaId(),
                    e.site(),
                    e.subscriptions().isEmpty() ? "-" : String.join(",", e.subscriptions().stream()
                            .map(sub -> sub.image() + ":" + sub.keep()).toList()),
                    WHEN.format(e.lastSeen()) + " (" + human(Duration.ofSeconds(e.lastSeenAgeSeconds())) + " ago)",
                    e.software(),
                    e.state()});
        }
        return table(lines);
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min" + (s % 60 == 0 ? "" : " " + (s % 60) + " s");
        }
        if (s < 86_400) {
            return (s / 3600) + " h" + ((s % 3600) / 60 == 0 ? "" : " " + (s % 3600) / 60 + " min");
        }
        return (s / 86_400) + " d" + ((s % 86_400) / 3600 == 0 ? "" : " " + (s % 86_400) / 3600 + " h");
    }
}
