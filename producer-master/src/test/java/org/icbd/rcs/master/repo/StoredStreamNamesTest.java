package org.icbd.rcs.master.repo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StoredStreamNamesTest {

    @Test
    void aStreamNamingTheVersionAsFullDeltaTargetOrDeltaParentInvolvesIt() {
        for (String name : new String[] {"5", "5.lz4", "4-5", "4-5.lz4", "5-6", "5-6.zst"}) {
            assertTrue(ImageRepository.streamInvolves(name, 5), name);
        }
        for (String name : new String[] {"15", "51.lz4", "4-6", "x5", "05", "6-7.5", ".5"}) {
            assertFalse(ImageRepository.streamInvolves(name, 5), name);
        }
    }
}
