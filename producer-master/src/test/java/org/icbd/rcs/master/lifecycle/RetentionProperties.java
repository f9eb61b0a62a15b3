package org.icbd.rcs.master.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Invariants of {@link Retention#decide} over generated histories (gaps, a quarter retired, up to
 * 12 versions), up to four replicas (holding any subset of the history, sometimes numbers the
 * master never published; online, or OFFLINE for 0 to 60 days against the 30-day limit) and
 * keeps from 1 to 8. The oracle restates the rules independently: <em>live</em> = not retired;
 * <em>newest keep</em> = the keep newest live versions; a replica's next parent = the greatest
 * held number that is live; <em>protected</em> = the next parent of a replica OFFLINE for at most
 * 30 days, or online.
 */
class RetentionProperties {

    private static final Instant NOW = RetentionTest.NOW;
    private static final Duration LIMIT = Retention.DEFAULT_OFFLINE_LIMIT;

    /** One input, printed in the notation of {@link RetentionTest} when a property fails. */
    record Scenario(VersionHistory history, List<SubscribedReplica> replicas, int keep) {
        @Override
        public String toString() {
            String replicaText = replicas.isEmpty() ? "-" : replicas.stream().map(r -> r.replicaId()
                            + (r.presence() instanceof Presence.Offline off
                                    ? "@" + Duration.between(off.since(), NOW).toDays() + "d" : "")
                            + "=" + r.held().stream().map(String::valueOf).collect(Collectors.joining(",")))
                    .collect(Collectors.joining(" "));
            return "history " + CompactNotation.render(history) + " | replicas " + replicaText + " | keep " + keep;
        }

        RetentionDecision decide() {
            return Retention.decide(history, replicas, keep, NOW, LIMIT);
        }
    }

    @Property(tries = 1000)
    void neverDeletesTheNewest(@ForAll("scenarios") Scenario s) {
        RetentionDecision d = s.decide();
        s.history().newestLive().ifPresent(newest -> assertFalse(d.delete().contains(newest), s::toString));
    }

    @Property(tries = 1000)
    void neverDeletesAProtectedVersion(@ForAll("scenarios") Scenario s) {
        RetentionDecision d = s.decide();
        for (int v : protectedVersions(s)) {
            assertFalse(d.delete().contains(v), () -> s + ": deletes protected " + v + ", decided " + d.render());
        }
    }

    @Property(tries = 1000)
    void deletesExactlyTheUnprotectedLiveVersionsBeyondTheNewestKeep(@ForAll("scenarios") Scenario s) {
        List<Integer> live = live(s.history());
        List<Integer> newestKeep = live.subList(Math.max(0, live.size() - s.keep()), live.size());
        Set<Integer> protectedVersions = protectedVersions(s);
        List<Integer> expected = live.stream()
                .filter(v -> !newestKeep.contains(v) && !protectedVersions.contains(v)).toList();

        RetentionDecision d = s.decide();
        assertEquals(expected, d.delete(), s::toString);
        List<Integer> rest = new ArrayList<>(live);
        rest.removeAll(expected);
        assertEquals(rest, d.keep().stream().map(RetentionDecision.Kept::version).toList(), s::toString);
    }

    @Property(tries = 1000)
    void isIdempotent(@ForAll("scenarios") Scenario s) {
        RetentionDecision first = s.decide();
        VersionHistory after = s.history().retiring(first.delete());

        RetentionDecision again = Retention.decide(after, s.replicas(), s.keep(), NOW, LIMIT);
        assertTrue(again.deletesNothing(), () -> s + ": decided " + first.render() + ", then " + again.render());
        assertEquals(first.keep(), again.keep(), s::toString);
        assertEquals(first.reseed(), again.reseed(), s::toString);
    }

    @Property(tries = 1000)
    void retireAgreesWithRetention(@ForAll("scenarios") Scenario s) {
        Set<Integer> protectedVersions = protectedVersions(s);
        int newest = s.history().newestLive().orElse(-1);
        for (int v : live(s.history())) {
            RetireVerdict verdict = Retention.mayRetire(s.history(), s.replicas(), v, NOW, LIMIT);
            if (v == newest) {
                assertTrue(verdict instanceof RetireVerdict.Newest, () -> s + ": retire " + v + " -> " + verdict);
            } else {
                assertEquals(!protectedVersions.contains(v), verdict.allowed(), () -> s + ": retire " + v + " -> " + verdict);
            }
        }
    }

    // ---- generators ----

    record Entry(int gap, boolean retired) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return histories().flatMap(h -> Combinators.combine(replicas(h), Arbitraries.integers().between(1, 8))
                .as((replicas, keep) -> new Scenario(h, replicas, keep)));
    }

    private Arbitrary<VersionHistory> histories() {
        Arbitrary<Entry> entry = Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(0, 3))
                .as((gap, dice) -> new Entry(gap, dice == 0));
        return entry.list().ofMaxSize(12).map(entries -> {
            List<VersionHistory.Entry> versions = new ArrayList<>();
            int version = 0;
            for (Entry e : entries) {
                version += e.gap();
                versions.add(new VersionHistory.Entry(version, e.retired()));
            }
            return new VersionHistory(versions);
        });
    }

    record Draft(Set<Integer> held, Presence presence) {
    }

    private Arbitrary<List<SubscribedReplica>> replicas(VersionHistory history) {
        List<Integer> published = history.entries().stream().map(VersionHistory.Entry::version).toList();
        Arbitrary<Set<Integer>> known = published.isEmpty()
                ? Arbitraries.just(Set.<Integer>of())
                : Arbitraries.subsetOf(published);
        // Now and then a number the master never published (versions here stay below 37).
        Arbitrary<Set<Integer>> strangers = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(Set.<Integer>of())),
                Tuple.of(1, Arbitraries.integers().between(1, 45).filter(v -> !published.contains(v))
                        .set().ofMinSize(1).ofMaxSize(2)));
        Arbitrary<Set<Integer>> held = Combinators.combine(known, strangers).as((k, u) -> {
            Set<Integer> all = new TreeSet<>(k);
            all.addAll(u);
            return all;
        });
        Arbitrary<Presence> presence = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(Presence.ONLINE)),
                Tuple.of(1, Arbitraries.integers().between(0, 60)
                        .map(days -> new Presence.Offline(NOW.minus(Duration.ofDays(days))))));
        return Combinators.combine(held, presence).as(Draft::new).list().ofMaxSize(4).map(drafts -> {
            List<SubscribedReplica> replicas = new ArrayList<>();
            for (int i = 0; i < drafts.size(); i++) {
                replicas.add(new SubscribedReplica("r" + (i + 1), List.copyOf(drafts.get(i).held()),
                        drafts.get(i).presence()));
            }
            return replicas;
        });
    }

    // ---- the oracle ----

    private static List<Integer> live(VersionHistory history) {
        return history.entries().stream().filter(e -> !e.retired()).map(VersionHistory.Entry::version).toList();
    }

    private static Set<Integer> protectedVersions(Scenario s) {
        List<Integer> live = live(s.history());
        Set<Integer> out = new TreeSet<>();
        for (SubscribedReplica r : s.replicas()) {
            boolean lapsed = r.presence() instanceof Presence.Offline off
                    && Duration.between(off.since(), NOW).toDays() > 30;
            if (!lapsed) {
                r.held().stream().filter(live::contains).max(Integer::compare).ifPresent(out::add);
            }
        }
        return out;
    }
}
