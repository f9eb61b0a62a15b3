package org.icbd.rcs.replica.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.replica.pull.StreamOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

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
            "0, false, false, false, nospc, TRANSIENT",
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
    void diskFullSaysSoAndWhatToDoAndIsRetriedUntilSpaceReturns() {
        StepFailure f = FailureClassifier.classify(WHAT, new StreamOutcome(5, Optional.of(0), "", false, false, false,
                Optional.of(new IOException("outer", new IOException("No space left on device"))))).orElseThrow();
        assertEquals(ErrorClass.TRANSIENT, f.errorClass(), "space comes back: the step is retried");
        assertTrue(f.getMessage().contains("ENOSPC") && f.getMessage().contains("free space"), f.getMessage());
    }

    @Test
    void masterReasonIsQuoted() {
        StepFailure f = FailureClassifier.classify(WHAT, new StreamOutcome(0, Optional.of(2),
                "refused: version 9 of ubuntu does not exist", false, false, false, Optional.empty())).orElseThrow();
        assertTrue(f.getMessage().contains("master refused") && f.getMessage().contains("does not exist"),
                f.getMessage());
    }

    /** How MINA reports a failed connect, authentication or channel open, by type and code. */
    static Stream<Arguments> connectFailures() {
        return Stream.of(
                Arguments.of("refused, as a connect future's verify wraps it",
                        new SshException("Failed (ConnectException) to execute", new ConnectException("refused")),
                        ErrorClass.TRANSIENT, "could not be reached"),
                Arguments.of("a verify timeout", new SshException("Failed to get operation result within specified"
                        + " timeout", new TimeoutException("Timed out after 10000 msec")), ErrorClass.TRANSIENT,
                        "could not be reached"),
                Arguments.of("a socket timeout under a wrapper",
                        new IOException("wrapped", new SocketTimeoutException("connect timed out")),
                        ErrorClass.TRANSIENT, "could not be reached"),
                Arguments.of("an unknown host", new UnknownHostException("m.example"), ErrorClass.TRANSIENT,
                        "could not be reached"),
                Arguments.of("the peer closed", new EOFException("closed"), ErrorClass.TRANSIENT, "could not be reached"),
                Arguments.of("a session closed without a reason", new SshException("Session is closed"),
                        ErrorClass.TRANSIENT, "could not be reached"),
                Arguments.of("the host key, rethrown by verify with its code",
                        new SshException(SshConstants.SSH2_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, "Server key did not"
                                + " validate", new SshException(SshConstants.SSH2_DISCONNECT_HOST_KEY_NOT_VERIFIABLE,
                                "Server key did not validate")), ErrorClass.PERMANENT, "host key"),
                Arguments.of("no authentication method left",
                        new SshException(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "x"),
                        ErrorClass.PERMANENT, "did not accept this replica's key"),
                Arguments.of("an illegal user name",
                        new SshException(SshConstants.SSH2_DISCONNECT_ILLEGAL_USER_NAME, "x"),
                        ErrorClass.PERMANENT, "did not accept this replica's key"),
                Arguments.of("a failed key exchange (no common algorithm, or bytes damaged on the wire)",
                        new SshException(SshConstants.SSH2_DISCONNECT_KEY_EXCHANGE_FAILED, "x"),
                        ErrorClass.TRANSIENT, "key exchange"),
                Arguments.of("no common protocol version",
                        new SshException(SshConstants.SSH2_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED, "x"),
                        ErrorClass.TRANSIENT, "protocol version"),
                Arguments.of("this host not allowed",
                        new SshException(SshConstants.SSH2_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT, "x"),
                        ErrorClass.PERMANENT, "does not allow"),
                Arguments.of("closed by the master's application",
                        new IOException("outer", new SshException(SshConstants.SSH2_DISCONNECT_BY_APPLICATION, "x")),
                        ErrorClass.TRANSIENT, "disconnect reason 11"),
                Arguments.of("too many connections",
                        new SshException(SshConstants.SSH2_DISCONNECT_TOO_MANY_CONNECTIONS, "x"),
                        ErrorClass.TRANSIENT, "disconnect reason 12"),
                Arguments.of("a MAC error on the wire", new SshException(SshConstants.SSH2_DISCONNECT_MAC_ERROR, "x"),
                        ErrorClass.TRANSIENT, "disconnect reason 5"),
                Arguments.of("no resources for a channel",
                        new SshChannelOpenException(0, SshConstants.SSH_OPEN_RESOURCE_SHORTAGE, "x"),
                        ErrorClass.TRANSIENT, "no resources"),
                Arguments.of("a channel prohibited",
                        new SshChannelOpenException(0, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "x"),
                        ErrorClass.PERMANENT, "refused to open"),
                Arguments.of("something else", new IllegalStateException("client not started"),
                        ErrorClass.PERMANENT, "client not started"),
                // The type decides, never the text: neither message is read for its words.
                Arguments.of("a refused connection whose text speaks of authentication",
                        new ConnectException("authentication failed"), ErrorClass.TRANSIENT, "could not be reached"),
                Arguments.of("a host key text without its code", new SshException("Server key did not validate"),
                        ErrorClass.TRANSIENT, "could not be reached"));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource
    void connectFailures(String name, Throwable e, ErrorClass expected, String says) {
        StepFailure f = FailureClassifier.classifyConnect(WHAT, e);
        assertEquals(expected, f.errorClass(), f.getMessage());
        assertTrue(f.getMessage().startsWith(WHAT + " failed"), f.getMessage());
        assertTrue(f.getMessage().contains(says), f.getMessage());
        assertSame(e, f.getCause());
    }
}
