package org.icbd.rcs.planner.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.planner.plan.ReplicaHoldings;
import org.icbd.rcs.planner.plan.Routing;
import org.icbd.rcs.topic.PairKey;

/**
 * One image's serving subscribers and, per pair, the peers its outstanding task names for steps it
 * has not completed: what {@link Routing} needs, loaded from the image's stores once per input (and
 * only when a task is about to be issued), then kept up to date as the input's reviews change
 * ledgers. A peer's load ({@link Routing.Peer#feeding()}) is counted per image: the planner plans an
 * image's pairs together, and a peer serving several images is bounded across them by its send
 * service's own slots.
 */
final class ImagePeers implements SitePeers {

    private final Map<String, SubscriptionEntry> servers = new HashMap<>();
    private final Map<String, Optional<HeldState>> serverStates = new HashMap<>();
    private final Map<String, TaskLedger> serverLedgers = new HashMap<>();
    /** Downstream replica id → the peers its outstanding task names for steps it lacks. */
    private final Map<String, Set<String>> feeds = new HashMap<>();

    /** A serving subscriber, with its last report and its ledger. */
    void server(String replicaId, SubscriptionEntry subscription, Optional<HeldState> held, TaskLedger ledger) {
        servers.put(replicaId, subscription);
        serverStates.put(replicaId, held);
        serverLedgers.put(replicaId, ledger);
    }

    boolean hasServers() {
        return !servers.isEmpty();
    }

    /** The pair's ledger as now stored, with the versions it holds. */
    void ledger(String replicaId, TaskLedger ledger, Optional<HeldState> held) {
        Set<Integer> have = held(held);
        Set<String> peers = ledger.outstanding().map(o -> o.peersFor(have)).orElse(Set.of());
        if (peers.isEmpty()) {
            feeds.remove(replicaId);
        } else {
            feeds.put(replicaId, peers);
        }
        if (servers.containsKey(replicaId)) {
            serverLedgers.put(replicaId, ledger);
            serverStates.put(replicaId, held);
        }
    }

    @Override
    public List<Routing.Peer> around(PairKey pair) {
        List<Routing.Peer> peers = new ArrayList<>();
        for (Map.Entry<String, SubscriptionEntry> e : servers.entrySet()) {
            String id = e.getKey();
            if (id.equals(pair.replicaId())) {
                continue;
            }
            SubscriptionEntry sub = e.getValue();
            Optional<HeldState> held = serverStates.get(id);
            int feeding = (int) feeds.entrySet().stream()
                    .filter(f -> !f.getKey().equals(pair.replicaId()) && f.getValue().contains(id)).count();
            Set<Integer> fetching = serverLedgers.get(id).outstanding().map(o -> o.fetching(held(held)))
                    .orElse(Set.of());
            boolean failing = held.flatMap(h -> h.state().lastStep()).map(l -> l.outcome() == Outcome.FAILED)
                    .orElse(false);
            peers.add(new Routing.Peer(id, sub.site(), !sub.offline(),
                    sub.serves().map(s -> OptionalInt.of(s.maxDownstreams())).orElse(OptionalInt.empty()), feeding,
                    held.map(HeldState::holdings).orElse(ReplicaHoldings.NONE), fetching, failing));
        }
        return peers;
    }

    static Set<Integer> held(Optional<HeldState> held) {
        return held.map(h -> h.state().versions().stream().map(HeldVersion::version).collect(Collectors.toSet()))
                .orElse(Set.of());
    }
}
