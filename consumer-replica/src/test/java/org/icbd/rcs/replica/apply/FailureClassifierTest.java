package org.icbd.rcs.replica.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Optional;
import org.apache.sshd.common.SshException;
import org.icbd.rcs.events.ErrorClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FailureClassifierTest {

    private static final String WHAT = "pulling ubuntu version 3 (delta from 2) from m:2222 for task t";

    /**
     * Columns: master exit (- for none), stalled, stopping, connection lost, receive error (- none,
     * x rejected, nospc), expected class (OK for success).
     */
    @ParameterizedTest(name = "exit {0} stalled {1} stopping {2} lost {3} receive {4} -> {5}")
    @CsvSource({
            "0, false, false, false, -,     OK",
            "0, false, false, false, x,     PERMANENT",   // a complete stream btrfs rejects: corruption
            "0, false, false, false, nospc, PERMANENT",
            "-, false, false, false, x,     PERMANENT",   // rejected mid-stream on a healthy channel
            "-, false, false, true,  x,     TRANSIENT",   // cut in the middle
            "-, false, false, true,  -,     TRANSIENT",
            "-, false, false, false, -,     TRANSIENT",   // received, but the master never confirmed
            "2, false, false, false, x,     PERMANENT",   // refused
            "3, false, false, false, x,     TRANSIENT",   // busy
            "4, false, false, false, x,     TRANSIENT",   // the master's own failure
            "1, false, false, false, x,     PERMANENT",   // btrfs send failed
            "4, false, false, true,  x,     TRANSIENT",
            "0, true,  false, false, x,     TRANSIENT",   // stalled wins
            "2, false, true,  false, x,     TRANSIENT",   // stopping wins over everything
    })
    void classify(String exit, boolean stalled, boolean stopping, boolean lost, String receive, String expected) {
        Optional<Throwable> error = switch (receive) {
            case "-" -> Optional.empty();
            case "nospc" -> Optional.of(new IOException("ERROR: write failed: No space left on device"));
            default -> Optional.of(new IOException("ERROR: crc32 mismatch in command"));
        };
        StreamOutcome outcome = new StreamOutcome(1234, exit.equals("-") ? Optional.empty()
                : Optional.of(Integer.valueOf(exit)), "reason line", stalled, stopping, lost, error);
        Optional<StepFailure> failure = FailureClassifier.classify(WHAT, outcome);
        if (expected.equals("OK")) {
            assertEquals(Optional.empty(), failure);
        } else {
            assertEquals(ErrorClass.valueOf(expected), failure.orElseThrow().errorClass());
            assertTrue(failure.get().getMessage().startsWith(WHAT), failure.get().getMessage());
            assertTrue(failure.get().getMessage().contains("after 1234 bytes"), failure.get().getMessage());
        }
    }

    @Test
    void diskFullSaysSoAndWhatToDo() {
        StepFailure f = FailureClassifier.classify(WHAT, new StreamOutcome(5, Optional.of(0), "", false, false, false,
                Optional.of(new IOException("outer", new IOException("No space left on device"))))).orElseThrow();
        assertEquals(ErrorClass.PERMANENT, f.errorClass());
        assertTrue(f.getMessage().contains("ENOSPC") && f.getMessage().contains("free space"), f.getMessage());
    }

    @Test
    void masterReasonIsQuoted() {
        StepFailure f = FailureClassifier.classify(WHAT, new StreamOutcome(0, Optional.of(2),
                "refused: version 9 of ubuntu does not exist", false, false, false, Optional.empty())).orElseThrow();
        assertTrue(f.getMessage().contains("master refused") && f.getMessage().contains("does not exist"),
                f.getMessage());
    }

    @Test
    void connectFailures() {
        assertEquals(ErrorClass.TRANSIENT, FailureClassifier.classifyConnect(WHAT,
                new ConnectException("Connection refused")).errorClass());
        assertEquals(ErrorClass.TRANSIENT, FailureClassifier.classifyConnect(WHAT,
                new IOException("wrapped", new SocketTimeoutException("connect timed out"))).errorClass());
        assertEquals(ErrorClass.TRANSIENT, FailureClassifier.classifyConnect(WHAT,
                new EOFException("closed")).errorClass());
        assertEquals(ErrorClass.TRANSIENT, FailureClassifier.classifyConnect(WHAT,
                new SshException("DefaultConnectFuture[icbd@127.0.0.1/127.0.0.1:2222]: Failed (TimeoutException) to execute: timeout")).errorClass());
        StepFailure hostKey = FailureClassifier.classifyConnect(WHAT, new SshException("Server key did not validate"));
        assertEquals(ErrorClass.PERMANENT, hostKey.errorClass());
        assertTrue(hostKey.getMessage().contains("host key"), hostKey.getMessage());
        assertEquals(ErrorClass.PERMANENT, FailureClassifier.classifyConnect(WHAT,
                new SshException("No more authentication methods available")).errorClass());
    }
}
