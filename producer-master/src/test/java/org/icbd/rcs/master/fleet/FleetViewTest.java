package org.icbd.rcs.master.fleet;

import static org.icbd.rcs.testkit.FakeFleet.registration;
import static org.icbd.rcs.testkit.FakeFleet.state;
import static org.icbd.rcs.testkit.FakeFleet.status;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.master.lifecycle.Presence;
import org.icbd.rcs.master.lifecycle.SubscribedReplica;
import org.icbd.rcs.topic.PairKey;
import org.junit.jupiter.api.Test;

class FleetViewTest {

    private static final Instant SEEN = Instant.parse("2026-11-01T10:00:00Z");
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void aSubscribedReplicaHoldsWhatItsStateSaysAndIsOnlineUnlessItsStatusIsOffline() {
        FleetView fleet = FleetView.of(
                Map.of("r1", registration("r1", "ubuntu", NOW), "r2", registration("r2", "ubuntu", SEEN)),
                Map.of(new PairKey("r1", "ubuntu"), state("r1", "ubuntu", 4, 2),
                        new PairKey("r2", "ubuntu"), state("r2", "ubuntu", 3)),
                Map.of(new PairKey("r1", "ubuntu"), status("r1", "ubuntu", ReplicationState.BEHIND, NOW),
                        new PairKey("r2", "ubuntu"), status("r2", "ubuntu", ReplicationState.OFFLINE, NOW)));

        assertEquals(List.of(new SubscribedReplica("r1", List.of(2, 4), Presence.ONLINE),
                        new SubscribedReplica("r2", List.of(3), new Presence.Offline(SEEN))),
                fleet.subscribed("ubuntu"),
                "OFFLINE since the last heartbeat (lastSeen), not since the status's updatedAt");
    }

    @Test
    void aReplicaWithoutStateHoldsNothingAndOneWithoutStatusIsOnline() {
        FleetView fleet = FleetView.of(Map.of("r1", registration("r1", "ubuntu", SEEN)), Map.of(), Map.of());

        assertEquals(List.of(new SubscribedReplica("r1", List.of(), Presence.ONLINE)), fleet.subscribed("ubuntu"));
    }

    @Test
    void stateOfAnImageTheReplicaIsNotSubscribedToCountsForNothing() {
        FleetView fleet = FleetView.of(Map.of("r1", registration("r1", "ubuntu", NOW)),
                Map.of(new PairKey("r1", "debian"), state("r1", "debian", 1),
                        new PairKey("r9", "ubuntu"), state("r9", "ubuntu", 1)),
                Map.of());

        assertEquals(List.of(), fleet.subscribed("debian"));
        assertEquals(List.of("r1"), fleet.subscribed("ubuntu").stream().map(SubscribedReplica::replicaId).toList(),
                "a state without a registration (a deregistered replica) protects nothing");
    }
}
