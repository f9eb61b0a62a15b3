package org.icbd.rcs.planner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
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
 * Invariants of {@link Planner#plan} over generated histories (gaps, retired versions, up to 12
 * versions), holdings and keeps. The oracle here restates the rules independently of the
 * planner: <em>live</em> = not retired, <em>kept</em> = the {@code keep} newest live versions,
 * <em>horizon</em> = the newest version the replica holds.
 */
class PlannerProperties {

    /** One planning input, printed in the compact notation when a property fails. */
    record Scenario(ImageHistory history, ReplicaHoldings holdings, int keep) {
        @Override
        public String toString() {
            String have = holdings.isEmpty() ? "-" : holdings.versions().stream()
                    .map(h -> h.version() + (history.find(h.version()).map(h::matches).orElse(true) ? "" : "!"))
                    .collect(Collectors.joining(","));
            return "history " + CompactNotation.render(history) + " | have " + have + " | keep " + keep;
        }

        PlanResult plan() {
            return Planner.plan(history, holdings, keep);
        }
    }

    // ---- plans for replicas that hold only the master's versions ----

    @Property
    void aReplicaHoldingOnlyTheMastersVersionsNeverConflicts(@ForAll("consistent") Scenario s) {
        assertInstanceOf(Plan.class, s.plan(), s::toString);
    }

    @Property
    void applyingThePlanYieldsTheNewestAndEveryKeptVersionNewerThanTheReplicasNewest(
            @ForAll("consistent") Scenario s) {
        Plan plan = (Plan) s.plan();
        Set<Integer> after = apply(s, plan).keySet();
        Optional<MasterVersion> newest = s.history().newestLive();
        if (newest.isEmpty()) {
            assertTrue(plan.isEmpty(), s::toString);
            return;
        }
        assertTrue(after.contains(newest.get().version()), s::toString);
        OptionalInt horizon = horizon(s);
        for (int k : kept(s)) {
            if (horizon.isEmpty() || k > horizon.getAsInt()) {
                assertTrue(after.contains(k), () -> s + ": kept version " + k + " missing after " + plan.render());
            }
        }
        if (s.holdings().isEmpty()) {
            assertEquals(new TreeSet<>(kept(s)), new TreeSet<>(after), s::toString);
        }
    }

    @Property
    void thePlanSendsOnlyTheNewestOrKeptVersionsNewerThanTheReplicasNewest(@ForAll("consistent") Scenario s) {
        Plan plan = (Plan) s.plan();
        OptionalInt horizon = horizon(s);
        int newest = s.history().newestLive().map(MasterVersion::version).orElse(-1);
        for (Step step : plan.steps()) {
            boolean wanted = step.version() == newest
                    || kept(s).contains(step.version()) && (horizon.isEmpty() || step.version() > horizon.getAsInt());
            assertTrue(wanted, () -> s + ": sends unwanted " + step.render());
        }
    }

    @Property
    void everyStepsParentIsOnTheReplicaWhenTheStepRuns(@ForAll("consistent") Scenario s) {
        apply(s, (Plan) s.plan()); // apply asserts it for each step
    }

    @Property
    void noVersionIsSentTwiceNorOneTheReplicaHolds(@ForAll("consistent") Scenario s) {
        Set<Integer> sent = new HashSet<>();
        for (Step step : ((Plan) s.plan()).steps()) {
            assertTrue(sent.add(step.version()), () -> s + ": sends " + step.version() + " twice");
            assertTrue(s.holdings().find(step.version()).isEmpty(), () -> s + ": resends held " + step.version());
        }
    }

    @Property
    void noStepSendsARetiredVersionOrUsesOneAsParentAndUuidsAreTheMasters(@ForAll("consistent") Scenario s) {
        for (Step step : ((Plan) s.plan()).steps()) {
            MasterVersion sent = s.history().find(step.version()).orElseThrow();
            assertTrue(sent.live(), () -> s + ": sends retired " + step.render());
            assertEquals(sent.uuid(), step.uuid(), s::toString);
            if (step instanceof Step.Delta delta) {
                MasterVersion parent = s.history().find(delta.parentVersion()).orElseThrow();
                assertTrue(parent.live(), () -> s + ": retired parent in " + step.render());
                assertEquals(parent.uuid(), delta.parentUuid(), s::toString);
            }
        }
    }

    @Property
    void stepsStrictlyIncrease(@ForAll("consistent") Scenario s) {
        List<Step> steps = ((Plan) s.plan()).steps();
        for (int i = 1; i < steps.size(); i++) {
            assertTrue(steps.get(i - 1).version() < steps.get(i).version(), s::toString);
        }
    }

    @Property
    void aReplicaHoldingTheNewestLiveVersionGetsAnEmptyPlan(@ForAll("inSync") Scenario s) {
        Plan plan = assertInstanceOf(Plan.class, s.plan(), s::toString);
        assertTrue(plan.isEmpty(), s::toString);
        assertInstanceOf(Plan.Basis.InSync.class, plan.basis(), s::toString);
    }

    @Property
    void neverAFullSendWhenTheReplicaHoldsALiveVersion(@ForAll("consistent") Scenario s) {
        boolean holdsLive = s.holdings().versions().stream()
                .anyMatch(h -> s.history().find(h.version()).orElseThrow().live());
        Plan plan = (Plan) s.plan();
        if (holdsLive) {
            assertTrue(plan.steps().stream().noneMatch(Step.Full.class::isInstance), s::toString);
        }
    }

    @Property
    void theFirstDeltaStartsFromTheNewestVersionTheReplicaHoldsThatIsLive(@ForAll("consistent") Scenario s) {
        OptionalInt base = s.holdings().versions().stream()
                .filter(h -> s.history().find(h.version()).orElseThrow().live())
                .mapToInt(ReplicaHolding::version).max();
        Plan plan = (Plan) s.plan();
        if (!plan.isEmpty() && base.isPresent()) {
            Step.Delta first = assertInstanceOf(Step.Delta.class, plan.steps().get(0), s::toString);
            assertEquals(base.getAsInt(), first.parentVersion(), s::toString);
        }
    }

    @Property
    void replanningAfterApplyingThePlanHasNothingToSend(@ForAll("consistent") Scenario s) {
        Map<Integer, SnapshotUuid> after = apply(s, (Plan) s.plan());
        List<ReplicaHolding> held = new ArrayList<>();
        after.forEach((version, uuid) -> held.add(new ReplicaHolding(version, uuid)));

        Plan again = assertInstanceOf(Plan.class, Planner.plan(s.history(), new ReplicaHoldings(held), s.keep()));
        assertTrue(again.isEmpty(), () -> s + ": replans " + again.render());
    }

    // ---- conflicts ----

    @Property
    void aReplicaHoldingAnythingButTheMastersVersionsGetsAConflictListingBothSides(
            @ForAll("conflicting") Scenario s) {
        Conflict conflict = assertInstanceOf(Conflict.class, s.plan(), s::toString);
        Set<Integer> diverged = new TreeSet<>();
        Set<Integer> unknown = new TreeSet<>();
        for (ReplicaHolding h : s.holdings().versions()) {
            Optional<MasterVersion> known = s.history().find(h.version());
            if (known.isEmpty()) {
                unknown.add(h.version());
            } else if (!h.matches(known.get())) {
                diverged.add(h.version());
            }
        }
        assertEquals(diverged, versions(conflict.diverged()), s::toString);
        assertEquals(unknown, versions(conflict.unknown()), s::toString);
        assertEquals(diverged.isEmpty() ? Conflict.UnknownVersions.class : Conflict.Diverged.class,
                conflict.getClass(), s::toString);
        String text = conflict.describe();
        assertTrue(text.contains("master has:  " + CompactNotation.render(s.history())), text);
        assertTrue(text.contains("replica has: "), text);
        for (int v : diverged) {
            assertTrue(text.contains("\n  " + v + ": master uuid " + s.history().find(v).orElseThrow().uuid()), text);
        }
        for (int v : unknown) {
            assertTrue(text.contains("\n  " + v + ": not in the master's history"), text);
        }
        assertTrue(text.contains("until an operator:"), text);
    }

    // ---- generators ----

    record Entry(int gap, boolean retired) {
    }

    @Provide
    Arbitrary<Scenario> consistent() {
        return histories().flatMap(h -> Combinators.combine(mastersVersions(h), keeps())
                .as((held, keep) -> new Scenario(h, held, keep)));
    }

    @Provide
    Arbitrary<Scenario> inSync() {
        return consistent().filter(s -> s.history().newestLive().isPresent()).map(s -> {
            MasterVersion newest = s.history().newestLive().orElseThrow();
            List<ReplicaHolding> held = new ArrayList<>(s.holdings().versions());
            if (s.holdings().find(newest.version()).isEmpty()) {
                held.add(new ReplicaHolding(newest.version(), newest.uuid()));
            }
            return new Scenario(s.history(), new ReplicaHoldings(held), s.keep());
        });
    }

    /** Consistent holdings with at least one version diverged or unknown to the master. */
    @Provide
    Arbitrary<Scenario> conflicting() {
        return consistent().flatMap(s -> {
            Set<Integer> inHistory = s.history().versions().stream().map(MasterVersion::version).collect(Collectors.toSet());
            Arbitrary<Set<Integer>> divergent = s.holdings().isEmpty()
                    ? Arbitraries.just(Set.of())
                    : Arbitraries.subsetOf(s.holdings().versions().stream().map(ReplicaHolding::version).toList());
            Arbitrary<Set<Integer>> strangers = Arbitraries.integers().between(1, 45)
                    .filter(v -> !inHistory.contains(v)).set().ofMaxSize(3);
            return Combinators.combine(divergent, strangers).as((toDiverge, extra) -> {
                List<ReplicaHolding> held = new ArrayList<>();
                for (ReplicaHolding h : s.holdings().versions()) {
                    held.add(toDiverge.contains(h.version())
                            ? new ReplicaHolding(h.version(), CompactNotation.divergedUuid(h.version()))
                            : h);
                }
                for (int v : extra) {
                    held.add(new ReplicaHolding(v, CompactNotation.syntheticUuid(v)));
                }
                return new Scenario(s.history(), new ReplicaHoldings(held), s.keep());
            }).filter(c -> !c.holdings().versions().stream().allMatch(
                    h -> c.history().find(h.version()).map(h::matches).orElse(false)));
        });
    }

    private Arbitrary<ImageHistory> histories() {
        Arbitrary<Entry> entry = Combinators.combine(
                        Arbitraries.integers().between(1, 3),
                        Arbitraries.integers().between(0, 3))
                .as((gap, dice) -> new Entry(gap, dice == 0)); // a quarter of the versions retired
        return entry.list().ofMaxSize(12).map(entries -> {
            List<MasterVersion> versions = new ArrayList<>();
            int version = 0;
            for (Entry e : entries) {
                OptionalInt parent = version == 0 ? OptionalInt.empty() : OptionalInt.of(version);
                version += e.gap();
                versions.add(new MasterVersion(version, CompactNotation.syntheticUuid(version), parent, e.retired()));
            }
            return new ImageHistory(versions);
        });
    }

    /** Any subset of the history, each held with the master's uuid; often nothing at all. */
    private Arbitrary<ReplicaHoldings> mastersVersions(ImageHistory history) {
        Arbitrary<ReplicaHoldings> subset = Arbitraries.subsetOf(history.versions()).map(set -> new ReplicaHoldings(
                set.stream().map(v -> new ReplicaHolding(v.version(), v.uuid())).toList()));
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(ReplicaHoldings.NONE)),
                Tuple.of(4, subset));
    }

    private Arbitrary<Integer> keeps() {
        return Arbitraries.integers().between(1, 15);
    }

    // ---- the oracle ----

    /** The kept versions: the {@code keep} newest live ones. */
    private static List<Integer> kept(Scenario s) {
        List<Integer> live = s.history().versions().stream().filter(MasterVersion::live).map(MasterVersion::version).toList();
        return live.subList(Math.max(0, live.size() - s.keep()), live.size());
    }

    private static OptionalInt horizon(Scenario s) {
        return s.holdings().versions().stream().mapToInt(ReplicaHolding::version).max();
    }

    /**
     * What the replica holds after running the plan's steps in order, asserting that each delta's
     * parent is there by then with the expected uuid (held originally, or received earlier).
     */
    private static Map<Integer, SnapshotUuid> apply(Scenario s, Plan plan) {
        Map<Integer, SnapshotUuid> held = new HashMap<>();
        s.holdings().versions().forEach(h -> held.put(h.version(), h.receivedUuid()));
        for (Step step : plan.steps()) {
            if (step instanceof Step.Delta delta) {
                assertEquals(delta.parentUuid(), held.get(delta.parentVersion()),
                        () -> s + ": parent of " + step.render() + " is not on the replica");
            }
            assertFalse(held.containsKey(step.version()), () -> s + ": " + step.render() + " overwrites a held version");
            held.put(step.version(), step.uuid());
        }
        return held;
    }

    private static Set<Integer> versions(List<ReplicaHolding> holdings) {
        return holdings.stream().map(ReplicaHolding::version).collect(Collectors.toCollection(TreeSet::new));
    }
}
