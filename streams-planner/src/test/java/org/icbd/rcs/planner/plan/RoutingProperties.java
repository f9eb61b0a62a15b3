package org.icbd.rcs.planner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Invariants of {@link Routing#route} over generated chains (up to 5 steps over versions 1..8),
 * peers (ids a..d and the replica's own id r, two sites, any liveness, capacity, load and holdings,
 * some copies diverged) and last-step failures. The replica routed is {@code r} at site {@code s1}.
 */
class RoutingProperties {

    record Scenario(List<Step> steps, List<Routing.Peer> peers, Optional<Routing.PeerFailure> failed) {
        List<Routing.Routed> route() {
            return Routing.route("r", "s1", steps, peers, failed);
        }

        Map<String, Routing.Peer> byId() {
            return peers.stream().collect(Collectors.toMap(Routing.Peer::replicaId, Function.identity()));
        }

        @Override
        public String toString() {
            return Routing.render(steps.stream().map(s -> new Routing.Routed(s, "master")).toList())
                    .replace(" from master", "") + " | peers " + peers.stream().map(p -> p.replicaId() + "@" + p.site()
                    + "=" + p.holdings().versions().stream().map(h -> h.version()
                    + (h.receivedUuid().equals(CompactNotation.syntheticUuid(h.version())) ? "" : "!"))
                    .map(String::valueOf).collect(Collectors.joining(","))
                    + (p.maxDownstreams().isPresent() ? " max" + p.maxDownstreams().getAsInt() : "")
                    + " feed" + p.feeding() + p.fetching().stream().map(v -> " fetch" + v).collect(Collectors.joining())
                    + (p.failing() ? " failing" : "") + (p.online() ? "" : " offline")).collect(Collectors.joining("; "))
                    + " | failed " + failed.map(f -> f.replicaId() + "@" + f.version()).orElse("-");
        }
    }

    @Property
    void oneRoutePerStepInTheStepsOrder(@ForAll("scenarios") Scenario s) {
        List<Routing.Routed> routes = s.route();
        assertEquals(s.steps(), routes.stream().map(Routing.Routed::step).toList(), s::toString);
    }

    @Property
    void aStepGoesToAPeerOnlyIfThePeerHoldsBothVersionsWithTheMastersUuids(@ForAll("scenarios") Scenario s) {
        for (Routing.Routed r : s.route()) {
            if (!r.fromMaster()) {
                Routing.Peer peer = s.byId().get(r.source());
                assertTrue(peer != null && peer.holdsFor(r.step()), () -> s + ": " + r.render());
                assertTrue(peer.holdings().find(r.step().version()).isPresent(), s::toString);
                if (r.step() instanceof Step.Delta d) {
                    assertTrue(peer.holdings().find(d.parentVersion()).isPresent(), s::toString);
                }
            }
        }
    }

    @Property
    void neverToAnOfflinePeerNorToItselfNorAcrossSitesNorToOneThatDoesNotServe(@ForAll("scenarios") Scenario s) {
        for (Routing.Routed r : s.route()) {
            if (!r.fromMaster()) {
                Routing.Peer peer = s.byId().get(r.source());
                assertTrue(peer.online(), () -> s + ": OFFLINE peer in " + r.render());
                assertFalse(peer.replicaId().equals("r"), () -> s + ": to itself in " + r.render());
                assertEquals("s1", peer.site(), () -> s + ": across sites in " + r.render());
                assertTrue(peer.maxDownstreams().isPresent(), () -> s + ": a peer that does not serve: " + r.render());
            }
        }
    }

    @Property
    void aPeerTakesThisDownstreamOnlyWhenItHasRoom(@ForAll("scenarios") Scenario s) {
        for (String used : s.route().stream().filter(r -> !r.fromMaster()).map(Routing.Routed::source)
                .collect(Collectors.toSet())) {
            Routing.Peer peer = s.byId().get(used);
            assertTrue(peer.feeding() < peer.maxDownstreams().getAsInt(), () -> s + ": " + used + " is full");
        }
    }

    @Property
    void aPeerThatFailedTheLastStepServesNothingAndTheFailedStepGoesToTheMaster(@ForAll("scenarios") Scenario s) {
        if (s.failed().isEmpty()) {
            return;
        }
        Routing.PeerFailure f = s.failed().get();
        for (Routing.Routed r : s.route()) {
            assertFalse(r.source().equals(f.replicaId()), () -> s + ": " + r.render());
            if (r.step().version() == f.version()) {
                assertTrue(r.fromMaster(), () -> s + ": " + r.render());
            }
        }
    }

    @Property
    void aStepGoesToTheMasterOnlyWhenNoPeerCouldTakeIt(@ForAll("scenarios") Scenario s) {
        List<Routing.Routed> routes = s.route();
        Set<String> used = routes.stream().filter(r -> !r.fromMaster()).map(Routing.Routed::source)
                .collect(Collectors.toSet());
        for (Routing.Routed r : routes) {
            if (!r.fromMaster() || s.failed().map(f -> f.version() == r.step().version()).orElse(false)) {
                continue;
            }
            for (Routing.Peer p : s.peers()) {
                boolean eligible = !p.replicaId().equals("r") && p.site().equals("s1") && p.online()
                        && p.maxDownstreams().isPresent() && p.holdsFor(r.step())
                        && s.failed().map(f -> !f.replicaId().equals(p.replicaId())).orElse(true)
                        && (used.contains(p.replicaId()) || p.feeding() < p.maxDownstreams().getAsInt());
                assertFalse(eligible, () -> s + ": " + r.render() + " although " + p.replicaId() + " could take it");
            }
        }
    }

    @Property
    void theRoutesDoNotDependOnTheOrderOfThePeers(@ForAll("scenarios") Scenario s, @ForAll long seed) {
        List<Routing.Peer> shuffled = new ArrayList<>(s.peers());
        Collections.shuffle(shuffled, new Random(seed));
        assertEquals(s.route(), Routing.route("r", "s1", s.steps(), shuffled, s.failed()), s::toString);
    }

    @Property
    void aReplicaWaitsOnlyForAnOnlineServingPeerOfItsSiteWithRoomThatFetchesItsFirstStepFromTheMaster(
            @ForAll("scenarios") Scenario s) {
        List<Routing.Routed> routes = s.route();
        Optional<String> awaited = Routing.awaited("r", "s1", routes, s.peers(), s.failed());
        if (awaited.isEmpty()) {
            return;
        }
        assertTrue(routes.get(0).fromMaster(), s::toString);
        Routing.Peer p = s.byId().get(awaited.get());
        assertTrue(p.online() && p.site().equals("s1") && !p.replicaId().equals("r") && !p.failing(), s::toString);
        assertTrue(p.maxDownstreams().isPresent() && p.feeding() < p.maxDownstreams().getAsInt(), s::toString);
        assertTrue(p.fetching().contains(routes.get(0).step().version()), s::toString);
        assertTrue(s.failed().map(f -> !f.replicaId().equals(p.replicaId())
                && f.version() != routes.get(0).step().version()).orElse(true), s::toString);
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<List<Step>> chains = Arbitraries.integers().between(1, 8).set().ofMinSize(1).ofMaxSize(5)
                .flatMap(targets -> Arbitraries.integers().between(0, 7).map(base -> chain(base, targets)));
        Arbitrary<Routing.Peer> peer = Combinators.combine(
                Arbitraries.of("a", "b", "c", "d", "r"),
                Arbitraries.of("s1", "s1", "s2"),
                Arbitraries.of(true, true, true, false),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(1, 8).set().ofMaxSize(8),
                Arbitraries.integers().between(1, 8).set().ofMaxSize(2),
                Combinators.combine(Arbitraries.integers().between(1, 8).set().ofMaxSize(3),
                        Arbitraries.of(false, false, true)).as(Own::new))
                .as((id, site, online, max, feeding, held, diverged, own) -> new Routing.Peer(id, site,
                        online, max == 0 ? OptionalInt.empty() : OptionalInt.of(max), feeding,
                        holdings(held, diverged), own.fetching(), own.failing()));
        Arbitrary<List<Routing.Peer>> peers = peer.list().ofMaxSize(5).uniqueElements(Routing.Peer::replicaId);
        Arbitrary<Optional<Routing.PeerFailure>> failed = Combinators.combine(Arbitraries.of("a", "b", "c"),
                Arbitraries.integers().between(1, 8)).as(Routing.PeerFailure::new).optional(0.3);
        return Combinators.combine(chains, peers, failed).as(Scenario::new);
    }

    /** A peer's own task: what it fetches, and whether its last step failed. */
    private record Own(Set<Integer> fetching, boolean failing) {
    }

    /** A chain through {@code targets} (ascending), from {@code base} when it is older than all, else a full first. */
    private static List<Step> chain(int base, Set<Integer> targets) {
        List<Integer> sorted = targets.stream().sorted().toList();
        List<Step> steps = new ArrayList<>();
        int previous = base > 0 && base < sorted.get(0) ? base : 0;
        for (int v : sorted) {
            steps.add(previous == 0 ? new Step.Full(v, CompactNotation.syntheticUuid(v))
                    : new Step.Delta(previous, CompactNotation.syntheticUuid(previous), v,
                    CompactNotation.syntheticUuid(v)));
            previous = v;
        }
        return steps;
    }

    private static ReplicaHoldings holdings(Set<Integer> held, Set<Integer> diverged) {
        Set<Integer> all = new HashSet<>(held);
        return new ReplicaHoldings(all.stream().map(v -> new ReplicaHolding(v, diverged.contains(v)
                ? CompactNotation.divergedUuid(v) : CompactNotation.syntheticUuid(v))).toList());
    }
}
