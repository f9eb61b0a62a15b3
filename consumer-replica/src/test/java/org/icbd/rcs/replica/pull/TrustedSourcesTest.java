package org.icbd.rcs.replica.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.testkit.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which client a step is pulled with: only ever one of the configured sources (no connection is made here). */
class TrustedSourcesTest {

    private static final String UUID_1 = "11111111-1111-1111-1111-111111111111";
    private final KeyPair identity = TestKeys.generate();
    private TrustedSources sources;

    private MasterEndpoint endpoint(String host, int port) {
        return new MasterEndpoint(host, port, "icbd", TestKeys.generate().getPublic(), identity,
                Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @BeforeEach
    void sources() {
        sources = TrustedSources.open("lab-c", endpoint("master.example", 2222), List.of(
                new TrustedSource("lab-a", endpoint("10.0.0.1", 2222)),
                new TrustedSource("lab-b", endpoint("10.0.0.2", 2223))));
    }

    @AfterEach
    void close() {
        sources.close();
    }

    private static TransferStep full(Optional<String> source) {
        return new TransferStep(1, UUID_1, Optional.empty(), Optional.empty(), source);
    }

    @Test
    void aStepWithoutASourceOrNamingTheMasterIsPulledFromTheMaster() {
        for (TransferStep step : List.of(full(Optional.empty()), full(Optional.of(Sources.MASTER)))) {
            TrustedSources.Source s = sources.forStep(step);
            assertEquals(Sources.MASTER, s.id());
            assertSame(sources.master().client(), s.client());
            assertEquals("master.example:2222", s.client().endpoint().address());
        }
    }

    @Test
    void aStepNamingATrustedPeerIsPulledFromThatPeerAtItsConfiguredAddress() {
        TrustedSources.Source a = sources.forStep(full(Optional.empty()).from("lab-a"));
        assertEquals("lab-a", a.id());
        assertEquals("10.0.0.1:2222", a.client().endpoint().address());
        TrustedSources.Source b = sources.forStep(full(Optional.empty()).from("lab-b"));
        assertEquals("lab-b", b.id());
        assertEquals("10.0.0.2:2223", b.client().endpoint().address());
        assertEquals(Set.of("lab-a", "lab-b"), sources.peerIds());
    }

    @Test
    void anUnknownOrForgedSourceIsPulledFromTheMasterAndReportedAsTheMaster() {
        // A peer not in the list, the replica itself, something that looks like an address or a host
        // name, a near miss of a trusted id: none leads anywhere but the master.
        for (String id : List.of("lab-x", "lab-c", "10.0.0.1", "master.example", "lab-a.", "lab-a-2", "masterx")) {
            TrustedSources.Source s = sources.forStep(full(Optional.empty()).from(id));
            assertEquals(Sources.MASTER, s.id(), id);
            assertSame(sources.master().client(), s.client(), id);
        }
    }

    @Test
    void theSameIdAlwaysLeadsToTheSameClientAndMasterOnlyHasNoPeers() {
        assertSame(sources.byId("lab-a").client(), sources.byId("lab-a").client());
        try (MasterClient master = new MasterClient("r", endpoint("m", 2222))) {
            TrustedSources only = TrustedSources.masterOnly("r", master);
            assertEquals(Set.of(), only.peerIds());
            assertSame(master, only.forStep(full(Optional.of("lab-a"))).client());
        }
    }

    @Test
    void aPeerCannotTakeTheMastersId() {
        try (MasterClient master = new MasterClient("r", endpoint("m", 2222));
             MasterClient other = new MasterClient("r", endpoint("o", 2222))) {
            assertThrows(IllegalArgumentException.class,
                    () -> new TrustedSources("r", master, Map.of(Sources.MASTER, other)));
        }
    }
}
