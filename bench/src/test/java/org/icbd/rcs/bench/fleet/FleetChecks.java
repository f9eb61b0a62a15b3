package org.icbd.rcs.bench.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** What the fleet ITs assert of a replica's versions: the master's, byte for byte. */
final class FleetChecks {

    private FleetChecks() {
    }

    /** The replica holds exactly {@code expectedVersions}, each identical to the master's, read-only, its uuid. */
    static void assertIdentical(Fleet fleet, String image, String replica, List<Integer> expectedVersions) {
        List<Fleet.VersionCheck> checks = fleet.verify(replica, image);
        assertEquals(expectedVersions, checks.stream().map(Fleet.VersionCheck::version).toList(),
                replica + " holds exactly the kept versions");
        checks.forEach(FleetChecks::assertIdentical);
    }

    /** One version the replica holds is identical to the master's, read-only, with the master's uuid. */
    static void assertIdentical(Fleet.VersionCheck c) {
        assertTrue(c.comparison().identical(), c.replicaId() + " v" + c.version() + ": " + c.comparison().differences());
        assertTrue(c.comparison().files() > 0, "files were compared");
        assertTrue(c.uuidMatches(), c.replicaId() + " v" + c.version() + " received_uuid is the master's uuid");
        assertTrue(c.readOnly(), c.replicaId() + " v" + c.version() + " is read-only");
    }
}
