package org.icbd.rcs.replica.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.master.ssh.SendExitStatus;
import org.junit.jupiter.api.Test;

class MasterExitStatusTest {

    /** The protocol is the master's: the replica's copy of the statuses must not drift from it. */
    @Test
    void theStatusesAreTheMasters() {
        assertEquals(SendExitStatus.OK, MasterExitStatus.OK);
        assertEquals(SendExitStatus.REFUSED, MasterExitStatus.REFUSED);
        assertEquals(SendExitStatus.BUSY, MasterExitStatus.BUSY);
        assertEquals(SendExitStatus.MASTER_FAILED, MasterExitStatus.MASTER_FAILED);
        assertEquals(SendExitStatus.STREAM_REFUSED, MasterExitStatus.STREAM_REFUSED);
    }

    @Test
    void busyAndTheMastersOwnFailuresAreRetried() {
        assertEquals(ErrorClass.TRANSIENT, MasterExitStatus.classify(MasterExitStatus.BUSY));
        assertEquals(ErrorClass.TRANSIENT, MasterExitStatus.classify(MasterExitStatus.MASTER_FAILED));
        assertEquals(ErrorClass.PERMANENT, MasterExitStatus.classify(MasterExitStatus.REFUSED));
        assertEquals(ErrorClass.PERMANENT, MasterExitStatus.classify(1));
        assertThrows(IllegalArgumentException.class, () -> MasterExitStatus.classify(0));
    }
}
