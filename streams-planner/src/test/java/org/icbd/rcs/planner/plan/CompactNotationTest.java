package org.icbd.rcs.planner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompactNotationTest {

    @Test
    void parsesAHistoryWithRetiredVersionsAndInformativeParents() {
        ImageHistory history = CompactNotation.parseHistory("1, 2,x3 ,5");

        assertEquals(List.of(
                        new MasterVersion(1, CompactNotation.syntheticUuid(1), OptionalInt.empty(), false),
                        new MasterVersion(2, CompactNotation.syntheticUuid(2), OptionalInt.of(1), false),
                        new MasterVersion(3, CompactNotation.syntheticUuid(3), OptionalInt.of(2), true),
                        new MasterVersion(5, CompactNotation.syntheticUuid(5), OptionalInt.of(3), false)),
                history.versions());
        assertEquals("00000000-0000-0000-0000-000000000005", history.versions().get(3).uuid().value());
    }

    @Test
    void parsesHoldingsInAnyOrderAndMarksADivergedUuid() {
        ReplicaHoldings holdings = CompactNotation.parseHoldings("3!,2");

        assertEquals(List.of(
                        new ReplicaHolding(2, CompactNotation.syntheticUuid(2)),
                        new ReplicaHolding(3, CompactNotation.divergedUuid(3))),
                holdings.versions());
        assertNotEquals(CompactNotation.syntheticUuid(3), CompactNotation.divergedUuid(3));
    }

    @ParameterizedTest
    @CsvSource(value = {"''", "'   '", "-", "' - '"})
    void emptyListsAreWrittenAsNothingOrADash(String text) {
        assertTrue(CompactNotation.parseHistory(text).versions().isEmpty());
        assertTrue(CompactNotation.parseHoldings(text).isEmpty());
    }

    @Test
    void rendersAHistoryBackInTheNotation() {
        assertEquals("1, 2, x3, 5", CompactNotation.render(CompactNotation.parseHistory("1,2,x3,5")));
        assertEquals("nothing", CompactNotation.render(ImageHistory.EMPTY));
        assertEquals(CompactNotation.parseHistory("1,2,x3,5"),
                CompactNotation.parseHistory(CompactNotation.render(CompactNotation.parseHistory("1,2,x3,5"))));
    }

    @Test
    void syntheticUuidsAreDistinctPerVersionAndNeverNil() {
        assertNotEquals(CompactNotation.syntheticUuid(1), CompactNotation.syntheticUuid(2));
        assertFalse(CompactNotation.syntheticUuid(Integer.MAX_VALUE).isNil());
    }

    @ParameterizedTest(name = "history ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            1,a,3       | history entry 2 'a' is not a version
            1,,3        | history entry 2 '' is not a version
            1,3!        | history entry 2 '3!' is not a version
            x           | history entry 1 'x' is not a version
            1,99999999999 | history entry 2 '99999999999' is too large for a version
            0           | version must be > 0, was 0
            1,3,2       | versions must be strictly increasing, but 2 follows 3 at index 2
            1,2,2       | versions must be strictly increasing, but 2 follows 2 at index 2
            """)
    void rejectsABadHistory(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompactNotation.parseHistory(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest(name = "holdings ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            x3          | holdings entry 1 'x3' is not a version
            2,!         | holdings entry 2 '!' is not a version
            2,3,        | holdings entry 3 '' is not a version
            0           | version must be > 0, was 0
            2,3,2!      | versions must not repeat a version, but 2 appears twice
            """)
    void rejectsBadHoldings(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompactNotation.parseHoldings(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
