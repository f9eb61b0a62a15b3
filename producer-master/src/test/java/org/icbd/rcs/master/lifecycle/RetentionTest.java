package org.icbd.rcs.master.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Retention's rules, one row per case. Histories are in the {@link CompactNotation}
 * ({@code x3} = retired, {@code -} = nothing). Replicas are space-separated
 * {@code <id>=<held>}, with {@code <id>@40d=<held>} for a replica OFFLINE for 40 days; the limit
 * is the default 30 days. Kept versions read {@code 4[k r1]}: {@code n} the newest, {@code k}
 * within keep, replica ids whose next parent it is. Lapsed replicas read {@code r3}, or
 * {@code r3(reseed)} when none of their versions stays.
 */
class RetentionTest {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final Pattern REPLICA = Pattern.compile("([^@=]+)(?:@(\\d+)d)?=(.*)");

    @ParameterizedTest(name = "history {0}, replicas {1}, keep {2} -> delete {3}, keep {4}, lapsed {5}")
    @CsvSource(delimiter = '|', textBlock = """
            # history       | replicas                | keep | delete | kept                 | lapsed
            # the issue's example: r1's next parent is 4 (its newest held), so 2 is not protected
            1,2,x3,4,5      | r1=2,4 r2=5             | 2    | 1,2    | 4[k r1] 5[n r2]      | -
            # no replica: the newest keep live versions stay
            1,2,3,4,5       | -                       | 2    | 1,2,3  | 4[k] 5[n]            | -
            1,2,3           | -                       | 1    | 1,2    | 3[n]                 | -
            # keep larger than the history deletes nothing
            1,2,3           | -                       | 5    | -      | 1[k] 2[k] 3[n]       | -
            1,x2,x3,4       | -                       | 2    | -      | 1[k] 4[n]            | -
            # an old next parent stays however old; two replicas may share one
            1,2,3,4,5       | r1=2                    | 2    | 1,3    | 2[r1] 4[k] 5[n]      | -
            1,2,3,4,5       | r2=1,2 r1=2             | 1    | 1,3,4  | 2[r1 r2] 5[n]        | -
            1,2,3           | r1=3                    | 1    | 1,2    | 3[n r1]              | -
            # a replica holding nothing protects nothing
            1,2,3           | r3=                     | 1    | 1,2    | 3[n]                 | -
            # a replica holding a retired version only protects nothing
            1,x2,3,4        | r1=2                    | 1    | 1,3    | 4[n]                 | -
            # its newest held version was retired: the newest held one still live is its next parent
            1,2,3,x4,5      | r1=2,4                  | 1    | 1,3    | 2[r1] 5[n]           | -
            # the master rolled back its newest: a replica holding only that one protects nothing
            1,2,3,x4        | r1=4                    | 1    | 1,2    | 3[n]                 | -
            # held numbers the master never published protect nothing
            1,2,3           | r1=7                    | 1    | 1,2    | 3[n]                 | -
            1,2,3           | r1=1,9                  | 1    | 2      | 1[r1] 3[n]           | -
            # OFFLINE within the limit, or exactly at it, still protects
            1,2,3,4,5       | r1@5d=2                 | 2    | 1,3    | 2[r1] 4[k] 5[n]      | -
            1,2,3,4,5       | r1@30d=2                | 2    | 1,3    | 2[r1] 4[k] 5[n]      | -
            # OFFLINE past the limit protects nothing, and re-seeds when none of its versions stays
            1,2,3,4,5       | r1@31d=2                | 2    | 1,2,3  | 4[k] 5[n]            | r1(reseed)
            x1,2,3          | r1@40d=1                | 1    | 2      | 3[n]                 | r1(reseed)
            # past the limit, but a version it holds stays for other reasons: no re-seed
            1,2,3,4,5       | r1@40d=4                | 2    | 1,2,3  | 4[k] 5[n]            | r1
            1,2,3,4,5       | r1@40d=2,3 r2=2         | 1    | 1,3,4  | 2[r2] 5[n]           | r1
            1,2,3,4         | r1@40d=2 r2=2           | 1    | 1,3    | 2[r2] 4[n]           | r1
            # past the limit holding nothing: no re-seed, a first full send
            1,2,3           | r1@40d=                 | 1    | 1,2    | 3[n]                 | r1
            # nothing live: nothing to decide
            -               | r1=1                    | 2    | -      | -                    | -
            x1,x2           | r1=1                    | 1    | -      | -                    | -
            """)
    void decides(String history, String replicas, int keep, String delete, String kept, String lapsed) {
        RetentionDecision decision = Retention.decide(CompactNotation.parseHistory(history), replicas(replicas), keep,
                NOW, Retention.DEFAULT_OFFLINE_LIMIT);

        assertEquals(delete, decision.delete().isEmpty() ? "-"
                : decision.delete().stream().map(String::valueOf).collect(Collectors.joining(",")));
        assertEquals(kept, renderKept(decision));
        assertEquals(lapsed, decision.lapsed().isEmpty() ? "-" : decision.lapsed().stream()
                .map(l -> l.replicaId() + (l.willReseed() ? "(reseed)" : "")).collect(Collectors.joining(" ")));
    }

    @ParameterizedTest(name = "history {0}, replicas {1}: retire {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # history   | replicas        | version | verdict
            1,2,3       | -               | 3       | Newest
            1,2,3       | r1=3            | 3       | Newest
            1,2,3       | r2=1,2 r1=2     | 2       | NextParent r1 r2
            1,2,3,x4    | r1=2,4          | 2       | NextParent r1
            1,2,3       | r1=2            | 1       | Allowed
            1,2,3       | r1@40d=2        | 2       | Allowed r1
            1,2,3       | r1@30d=2        | 2       | NextParent r1
            1,x2,3      | r1=2            | 2       | AlreadyRetired
            1,2,3       | -               | 7       | Unknown
            """)
    void answersWhetherAVersionMayBeRetired(String history, String replicas, int version, String verdict) {
        RetireVerdict answer = Retention.mayRetire(CompactNotation.parseHistory(history), replicas(replicas), version,
                NOW, Retention.DEFAULT_OFFLINE_LIMIT);

        List<String> ids = answer instanceof RetireVerdict.NextParent next ? next.replicaIds()
                : answer instanceof RetireVerdict.Allowed allowed ? allowed.lapsedNextParentOf() : List.of();
        assertEquals(verdict, (answer.getClass().getSimpleName() + " " + String.join(" ", ids)).strip());
        assertEquals(verdict.startsWith("Allowed"), answer.allowed());
        assertEquals(version, answer.version());
    }

    @Test
    void explainsEveryKeptVersionAndEveryLapsedReplica() {
        RetentionDecision decision = Retention.decide(CompactNotation.parseHistory("1,2,x3,4,5,6"),
                replicas("r2=4 r1=4 r3=1 r9@40d=2 r8@40d=5"), 2, NOW, Retention.DEFAULT_OFFLINE_LIMIT);

        assertEquals(List.of(2), decision.delete());
        assertEquals(List.of(
                        "1: next parent of r3",
                        "4: next parent of r1, r2",
                        "5: one of the newest 2 live versions",
                        "6: the newest live version"),
                decision.keep().stream().map(k -> k.version() + ": " + k.why()).toList());
        assertEquals(List.of(
                        "r8 is OFFLINE past the limit and protects nothing: its next parent 5 stays for other reasons",
                        "r9 is OFFLINE past the limit and protects nothing: none of its versions stays on the master,"
                                + " it will re-seed (a full send)"),
                decision.lapsed().stream().map(RetentionDecision.Lapsed::explain).toList());
        assertEquals(List.of("r9"), decision.reseed());
        assertEquals(Instant.parse("2025-04-22T12:00:00Z"), decision.lapsed().get(1).offlineSince());
        assertEquals(OptionalInt.of(2), decision.lapsed().get(1).nextParent());
        assertEquals("delete 2; keep 1, 4, 5, 6; re-seed r9", decision.render());
    }

    @Test
    void theLimitIsAParameter() {
        List<SubscribedReplica> r1 = replicas("r1@5d=1");
        VersionHistory history = CompactNotation.parseHistory("1,2,3");

        assertEquals(List.of(2), Retention.decide(history, r1, 1, NOW, Duration.ofDays(6)).delete());
        assertEquals(List.of(1, 2), Retention.decide(history, r1, 1, NOW, Duration.ofDays(4)).delete());
        // zero: any OFFLINE replica protects nothing at once
        assertEquals(List.of(1, 2), Retention.decide(history, replicas("r1@0d=1"), 1, NOW.plusMillis(1), Duration.ZERO)
                .delete());
        // an OFFLINE start after now (clock skew) is past no limit
        assertEquals(List.of(2), Retention.decide(history,
                List.of(new SubscribedReplica("r1", List.of(1), new Presence.Offline(NOW.plusSeconds(60)))), 1, NOW,
                Duration.ZERO).delete());
    }

    @Test
    void nextParentIsTheNewestHeldVersionStillLive() {
        VersionHistory history = CompactNotation.parseHistory("1,2,x3,4,x5");

        assertEquals(OptionalInt.of(4), Retention.nextParent(history, SubscribedReplica.online("r1", 5, 1, 4)));
        assertEquals(OptionalInt.of(2), Retention.nextParent(history, SubscribedReplica.online("r1", 3, 2)));
        assertEquals(OptionalInt.empty(), Retention.nextParent(history, SubscribedReplica.online("r1", 3, 5, 9)));
        assertEquals(OptionalInt.empty(), Retention.nextParent(history, SubscribedReplica.online("r1")));
    }

    @Test
    void rejectsBadInputsNamingThem() {
        VersionHistory history = CompactNotation.parseHistory("1,2");
        Duration limit = Retention.DEFAULT_OFFLINE_LIMIT;

        assertMessage("keep must be >= 1, was 0", () -> Retention.decide(history, List.of(), 0, NOW, limit));
        assertMessage("offlineLimit must not be negative, was PT-1S",
                () -> Retention.decide(history, List.of(), 1, NOW, Duration.ofSeconds(-1)));
        assertMessage("replicas must not repeat a replica, but r1 appears twice",
                () -> Retention.decide(history, replicas("r1=1 r1=2"), 1, NOW, limit));
        assertMessage("replicas must not repeat a replica, but r1 appears twice",
                () -> Retention.mayRetire(history, replicas("r1=1 r1=2"), 1, NOW, limit));
        assertMessage("held versions of r1 must not repeat a version, but 2 appears twice",
                () -> SubscribedReplica.online("r1", 2, 1, 2));
        assertMessage("held versions of r1 must be > 0, but 0 is held", () -> SubscribedReplica.online("r1", 0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SubscribedReplica.online("R1"))
                .getMessage().startsWith("replicaId 'R1' is not a valid name"));
        assertMessage("versions must be strictly increasing, but 2 follows 3 at index 1",
                () -> CompactNotation.parseHistory("3,2"));
        assertMessage("version 2 must not be both deleted and kept", () -> new RetentionDecision(List.of(2),
                List.of(new RetentionDecision.Kept(2, List.of(new KeepReason.Newest()))), List.of()));
        assertMessage("reasons of kept version 2 must not be empty", () -> new RetentionDecision.Kept(2, List.of()));
    }

    @Test
    void theNotationReadsHistoriesAsThePlannerDoesAndReplicasAsIdEqualsVersions() {
        assertEquals("1, 2, x3, 5", CompactNotation.render(CompactNotation.parseHistory(" 1, 2 ,x3,5 ")));
        assertEquals("nothing", CompactNotation.render(CompactNotation.parseHistory("-")));
        assertEquals(SubscribedReplica.online("r1", 2, 4), CompactNotation.parseReplica("r1=4, 2"));
        assertEquals(SubscribedReplica.online("r3"), CompactNotation.parseReplica("r3="));
        assertEquals(SubscribedReplica.online("r3"), CompactNotation.parseReplica("r3=-"));

        assertMessage("history entry 3 'y3' is not a version: expected a number like 5, or x5 for a retired version",
                () -> CompactNotation.parseHistory("1,2,y3"));
        assertMessage("'r1' is not REPLICA=VERSIONS: expected for example r1=2,4, or r3= for a replica holding nothing",
                () -> CompactNotation.parseReplica("r1"));
        assertMessage("held versions of r1: entry 2 'x4' is not a version: expected a number like 5",
                () -> CompactNotation.parseReplica("r1=2,x4"));
        assertMessage("held versions of r1: entry 1 '99999999999' is too large for a version (at most 2147483647)",
                () -> CompactNotation.parseReplica("r1=99999999999"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompactNotation.parseReplica("=2"))
                .getMessage().startsWith("replicaId '' is not a valid name"));
    }

    /** Parses the table's replica column; {@code @<n>d} makes a replica OFFLINE since n days before NOW. */
    static List<SubscribedReplica> replicas(String text) {
        List<SubscribedReplica> replicas = new ArrayList<>();
        if (text.strip().equals("-")) {
            return replicas;
        }
        for (String token : text.strip().split("\\s+")) {
            Matcher m = REPLICA.matcher(token);
            if (!m.matches()) {
                throw new IllegalArgumentException("bad replica in a test row: " + token);
            }
            SubscribedReplica replica = CompactNotation.parseReplica(m.group(1) + "=" + m.group(3));
            replicas.add(m.group(2) == null ? replica
                    : replica.withPresence(new Presence.Offline(NOW.minus(Duration.ofDays(Long.parseLong(m.group(2)))))));
        }
        return replicas;
    }

    private static String renderKept(RetentionDecision decision) {
        if (decision.keep().isEmpty()) {
            return "-";
        }
        List<String> out = new ArrayList<>();
        for (RetentionDecision.Kept k : decision.keep()) {
            List<String> tags = new ArrayList<>();
            for (KeepReason reason : k.reasons()) {
                if (reason instanceof KeepReason.Newest) {
                    tags.add("n");
                } else if (reason instanceof KeepReason.WithinKeep) {
                    tags.add("k");
                } else {
                    tags.addAll(((KeepReason.NextParentOf) reason).replicaIds());
                }
            }
            out.add(k.version() + "[" + String.join(" ", tags) + "]");
        }
        return String.join(" ", out);
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, executable).getMessage());
    }
}
