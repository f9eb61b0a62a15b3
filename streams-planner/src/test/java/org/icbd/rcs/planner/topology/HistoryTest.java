package org.icbd.rcs.planner.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.planner.plan.CompactNotation;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private static final Instant T = Instant.parse("2026-03-02T08:00:00Z");

    @Test
    void versionsArriveInAnyOrderAndRetirementIsFinal() {
        History h = History.EMPTY;
        for (ImageVersionEvent e : List.of(published(3), published(1), retired(2), published(2), retired(1),
                published(1), published(5))) {
            h = h.apply(e);
        }
        assertEquals("x1, x2, 3, 5", CompactNotation.render(h.toImageHistory()));
    }

    @Test
    void aDuplicateChangesNothing() {
        History h = History.EMPTY.apply(published(1)).apply(retired(1));
        assertSame(h, h.apply(published(1)));
        assertSame(h, h.apply(retired(1)));
    }

    @Test
    void aReusedVersionOrUuidIsRejected() {
        History h = History.EMPTY.apply(published(1));
        IllegalArgumentException reused = assertThrows(IllegalArgumentException.class, () -> h.apply(
                ImageVersionPublished.of("ubuntu", 1, uuid("ubuntu", 9), Optional.empty(), Optional.empty(), 0, T,
                        "master")));
        assertTrue(reused.getMessage().contains("never reused"), reused.getMessage());
        IllegalArgumentException shared = assertThrows(IllegalArgumentException.class, () -> h.apply(
                ImageVersionPublished.of("ubuntu", 2, uuid("ubuntu", 1), Optional.empty(), Optional.empty(), 0, T,
                        "master")));
        assertTrue(shared.getMessage().contains("already belongs to version 1"), shared.getMessage());
        assertThrows(IllegalArgumentException.class, () -> h.apply(ImageVersionRetired.of("ubuntu", 3,
                "00000000-0000-0000-0000-000000000000", T, "master")));
    }

    @Test
    void aCorrectionReplacesTheUuidItNamesAndNothingElse() {
        String forged = uuid("forged", 2);
        History h = History.EMPTY.apply(published(1)).apply(ImageVersionPublished.of("ubuntu", 2, forged,
                Optional.empty(), Optional.empty(), 0, T, "master")).apply(ImageVersionRetired.of("ubuntu", 2,
                forged, T, "master"));

        History corrected = h.apply(published(2).correcting(forged));

        assertEquals(uuid("ubuntu", 2), corrected.find(2).orElseThrow().uuid());
        assertEquals(false, corrected.find(2).orElseThrow().retired(), "the master's disk holds the snapshot");
        assertSame(corrected, corrected.apply(published(2).correcting(forged)), "a repeated correction is a duplicate");
        assertSame(corrected, corrected.apply(published(2)));
        IllegalArgumentException stale = assertThrows(IllegalArgumentException.class,
                () -> corrected.apply(ImageVersionPublished.of("ubuntu", 2, uuid("ubuntu", 7), Optional.empty(),
                        Optional.empty(), 0, T, "master").correcting(uuid("other", 2))));
        assertTrue(stale.getMessage().contains("known with uuid"), stale.getMessage());
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                () -> h.apply(ImageVersionPublished.of("ubuntu", 2, uuid("ubuntu", 1), Optional.empty(),
                        Optional.empty(), 0, T, "master").correcting(forged)));
        assertTrue(taken.getMessage().contains("already belongs to version 1"), taken.getMessage());
    }

    private static ImageVersionPublished published(int v) {
        return ImageVersionPublished.of("ubuntu", v, uuid("ubuntu", v), Optional.empty(), Optional.empty(), 0, T,
                "master");
    }

    private static ImageVersionRetired retired(int v) {
        return ImageVersionRetired.of("ubuntu", v, uuid("ubuntu", v), T, "master");
    }

    private static String uuid(String image, int version) {
        return java.util.UUID.nameUUIDFromBytes((image + "@" + version).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }
}
