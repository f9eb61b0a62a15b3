package org.icbd.rcs.master.fleet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.master.lifecycle.Presence;
import org.icbd.rcs.master.lifecycle.SubscribedReplica;
import org.icbd.rcs.topic.PairKey;

/**
 * The fleet as master retention sees it: per image, the replicas subscribed to it with the versions
 * they hold and whether they are reachable. Built by {@link #of} from the latest record per key of
 * {@code icbd.replicas}, {@code icbd.replica-state} and {@code icbd.replication-status}; pure.
 *
 * <p>Rules, per (replica, image):
 * <ul>
 *   <li>subscribed iff the replica's registration lists a subscription to the image (a
 *       deregistered replica, a tombstone, is absent from {@code registrations});</li>
 *   <li>held = the version numbers of its latest {@code ReplicaImageState} for the image; none
 *       while it has reported nothing;</li>
 *   <li>OFFLINE iff the planner's latest status of the pair says OFFLINE. It has been OFFLINE since
 *       its last heartbeat, the registration's {@code lastSeen}: unlike the status's
 *       {@code updatedAt}, which moves whenever another field of an OFFLINE status changes,
 *       {@code lastSeen} stays put while the replica is silent, so the limit is measured from the
 *       moment it fell silent (earlier, by the planner's offline-after, than the status says).</li>
 * </ul>
 *
 * @param byImage image → its subscribed replicas, sorted by id
 */
public record FleetView(Map<String, List<SubscribedReplica>> byImage) {

    /** No replica subscribed to anything. */
    public static final FleetView EMPTY = new FleetView(Map.of());

    /** Copies the map and its lists. */
    public FleetView {
        Objects.requireNonNull(byImage, "byImage must not be null");
        Map<String, List<SubscribedReplica>> copy = new HashMap<>();
        byImage.forEach((image, replicas) -> copy.put(image, List.copyOf(replicas)));
        byImage = Map.copyOf(copy);
    }

    /**
     * The fleet from the latest record per key of the three topics.
     *
     * @param registrations replicaId → its registration (deregistered replicas left out)
     * @param states        the latest state per (replica, image)
     * @param statuses      the latest status per (replica, image)
     */
    public static FleetView of(Map<String, ReplicaRegistered> registrations, Map<PairKey, ReplicaImageState> states,
                               Map<PairKey, ReplicationStatus> statuses) {
        Objects.requireNonNull(registrations, "registrations must not be null");
        Objects.requireNonNull(states, "states must not be null");
        Objects.requireNonNull(statuses, "statuses must not be null");
        Map<String, List<SubscribedReplica>> byImage = new HashMap<>();
        for (ReplicaRegistered registration : registrations.values()) {
            for (var subscription : registration.subscriptions()) {
                String image = subscription.image();
                PairKey pair = new PairKey(registration.replicaId(), image);
                ReplicaImageState state = states.get(pair);
                List<Integer> held = state == null ? List.of()
                        : state.versions().stream().map(HeldVersion::version).distinct().toList();
                ReplicationStatus status = statuses.get(pair);
                Presence presence = status != null && status.state() == ReplicationState.OFFLINE
                        ? new Presence.Offline(registration.lastSeen())
                        : Presence.ONLINE;
                byImage.computeIfAbsent(image, i -> new ArrayList<>())
                        .add(new SubscribedReplica(registration.replicaId(), held, presence));
            }
        }
        byImage.values().forEach(list -> list.sort(Comparator.comparing(SubscribedReplica::replicaId)));
        return new FleetView(byImage);
    }

    /** The replicas subscribed to {@code image}, sorted by id; empty when none is. */
    public List<SubscribedReplica> subscribed(String image) {
        return byImage.getOrDefault(image, List.of());
    }
}
