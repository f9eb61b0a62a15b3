package org.icbd.rcs.replica.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.icbd.rcs.events.HeldVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetentionTest {

    @ParameterizedTest(name = "held [{0}], keep {1} -> delete [{2}]")
    @CsvSource(delimiter = '|', value = {
            "-       | 1 | -",
            "1       | 1 | -",
            "1,2     | 1 | 1",
            "1,2,3   | 2 | 1",
            "1,2,3   | 3 | -",
            "1,2,3   | 5 | -",
            "3,1,7,5 | 2 | 1,3",   // unordered input: still the oldest first
            "2,4,9   | 1 | 2,4",
    })
    void deletesTheOldestBeyondKeep(String held, int keep, String deleted) {
        assertEquals(versions(deleted.strip()), Retention.toDelete(DiskMatchTest.disk(held.strip()), keep).stream()
                .map(HeldVersion::version).collect(Collectors.toList()));
    }

    @Test
    void neverTheNewestAndExactlyKeepRemain() {
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            List<Integer> versions = new ArrayList<>();
            int n = random.nextInt(12);
            for (int v = 1; versions.size() < n; v += 1 + random.nextInt(3)) {
                versions.add(v);
            }
            Collections.shuffle(versions, random);
            List<HeldVersion> held = versions.stream().map(v -> new HeldVersion(v, DiskMatchTest.uuid(v)))
                    .collect(Collectors.toList());
            int keep = 1 + random.nextInt(5);
            List<HeldVersion> doomed = Retention.toDelete(held, keep);
            assertEquals(Math.max(0, n - keep), doomed.size());
            if (n > 0) {
                int newest = Collections.max(versions);
                assertFalse(doomed.stream().anyMatch(h -> h.version() == newest), "the newest is never deleted");
            }
        }
    }

    @Test
    void keepBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Retention.toDelete(List.of(), 0));
    }

    private static List<Integer> versions(String notation) {
        if (notation.equals("-")) {
            return List.of();
        }
        List<Integer> list = new ArrayList<>();
        for (String v : notation.split(",")) {
            list.add(Integer.valueOf(v));
        }
        return list;
    }
}
