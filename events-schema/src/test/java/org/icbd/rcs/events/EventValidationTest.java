package org.icbd.rcs.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventValidationTest {

    private static final Instant T = Instant.parse("2026-11-22T10:15:30Z");

    private static void rejects(String fieldInMessage, Executable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction);
        assertTrue(e.getMessage().contains(fieldInMessage),
                () -> "message '" + e.getMessage() + "' should name " + fieldInMessage);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Ubuntu", "../x", ".hidden", "a/b", "a b", "-x", "x\n",
            "a2345678901234567890123456789012345678901234567890123456789012345"})
    void imageNamesOutsideThePatternAreRejected(String bad) {
        rejects("image", () -> ImageVersionPublished.of(bad, 1, Samples.U1, Optional.empty(), Optional.empty(), 0, T,
                "m"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ubuntu", "win11", "a", "ubuntu-22.04_lts", "0"})
    void imageNamesInsideThePatternAreAccepted(String good) {
        assertEquals(good, ImageVersionRetired.of(good, 1, Samples.U1, T, "m").image());
    }

    @Test
    void versionsMustBePositive() {
        rejects("version", () -> ImageVersionPublished.of("u", 0, Samples.U1, Optional.empty(), Optional.empty(), 0,
                T, "m"));
        rejects("steps.version", () -> TransferStep.full(-3, Samples.U1));
        rejects("versions.version", () -> new HeldVersion(0, Samples.U1));
    }

    @Test
    void uuidsMustBeCanonical() {
        rejects("uuid", () -> ImageVersionRetired.of("u", 1, "not-a-uuid", T, "m"));
        rejects("uuid", () -> ImageVersionRetired.of("u", 1, Samples.U1.toUpperCase(), T, "m"));
        rejects("versions.receivedUuid", () -> new HeldVersion(1, "-"));
    }

    @Test
    void aParentMustBeOlderAndComplete() {
        rejects("parentVersion", () -> ImageVersionPublished.of("u", 2, Samples.U2, Optional.of(2),
                Optional.of(Samples.U1), 0, T, "m"));
        rejects("both present", () -> ImageVersionPublished.of("u", 2, Samples.U2, Optional.of(1), Optional.empty(),
                0, T, "m"));
        rejects("steps.parentVersion", () -> TransferStep.delta(3, Samples.U1, 2, Samples.U2));
    }

    @Test
    void aTaskNeedsAscendingStepsAndAtLeastOne() {
        rejects("steps must not be empty", () -> ReplicationTask.of("t", "r", "u", List.of(), List.of(),
                Compression.NONE, T));
        rejects("ascend", () -> ReplicationTask.of("t", "r", "u", List.of(), List.of(
                TransferStep.full(2, Samples.U2), TransferStep.delta(1, Samples.U1, 2, Samples.U2)),
                Compression.NONE, T));
    }

    @Test
    void stepReportsAreConsistentWithTheirOutcome() {
        rejects("FAILED", () -> new StepReport("t", 1, Outcome.FAILED, Optional.empty(), Optional.empty(), 0, 0));
        rejects("APPLIED", () -> new StepReport("t", 1, Outcome.APPLIED, Optional.of(ErrorClass.PERMANENT),
                Optional.of("x"), 0, 0));
    }

    @Test
    void hookReportsCarryAnErrorIffTheHookDidNotExitZero() {
        assertTrue(HookReport.succeeded(5).ok());
        assertEquals(Optional.of(0), HookReport.succeeded(5).exitCode());
        rejects("hook.error", () -> new HookReport(Optional.of(0), Optional.of("x"), 0));
        rejects("hook.error", () -> new HookReport(Optional.of(3), Optional.empty(), 0));
        rejects("hook.error", () -> new HookReport(Optional.empty(), Optional.empty(), 0));
        rejects("hook.error", () -> HookReport.exited(3, " ", 0));
        rejects("hook.millis", () -> HookReport.noExit("timed out", -1));
        rejects("hook", () -> StepReport.failed("t", 1, ErrorClass.PERMANENT, "x", 0, 0)
                .withHook(HookReport.succeeded(1)));
    }

    @Test
    void aStateWrittenBeforeHooksExistedReadsWithoutOne() {
        String old = "{\"schemaVersion\":1,\"replicaId\":\"r\",\"image\":\"u\",\"versions\":[],"
                + "\"lastStep\":{\"taskId\":\"t\",\"version\":1,\"outcome\":\"APPLIED\",\"bytes\":1,"
                + "\"millis\":2},\"at\":\"2026-11-22T10:15:30Z\"}";
        ReplicaImageState state = Topics.REPLICA_STATE.valueSerde()
                .deserializer().deserialize("icbd.replica-state", old.getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(StepReport.applied("t", 1, 1, 2)), state.lastStep());
        assertEquals(Optional.empty(), state.lastStep().orElseThrow().hook());
    }

    @Test
    void subscriptionsKeepAtLeastOneAndNameAnImageOnce() {
        rejects("keep", () -> new Subscription("u", 0));
        rejects("twice", () -> ReplicaRegistered.of("r", "s", List.of(new Subscription("u", 1),
                new Subscription("u", 2)), "icbd", "fp", "sw", T));
    }

    @Test
    void stateVersionsAreSortedAndUnique() {
        ReplicaImageState s = ReplicaImageState.of("r", "u", List.of(new HeldVersion(2, Samples.U2),
                new HeldVersion(1, Samples.U1)), Optional.empty(), Optional.empty(), T);
        assertEquals(List.of(1, 2), s.versions().stream().map(HeldVersion::version).toList());
        assertEquals(2, s.newest().orElseThrow().version());
        rejects("twice", () -> ReplicaImageState.of("r", "u", List.of(new HeldVersion(1, Samples.U1),
                new HeldVersion(1, Samples.U2)), Optional.empty(), Optional.empty(), T));
    }

    @Test
    void deadLettersKeepBinaryValuesIntact() {
        byte[] binary = {0, (byte) 0xff, (byte) 0xfe, 65};
        DeadLetter d = DeadLetter.of("icbd.replicas", 1, 2, binary, "bad", "planner", T);
        assertEquals("base64", d.valueEncoding().orElseThrow());
        assertEquals(List.of(0, 255, 254, 65), toList(d.rawValue().orElseThrow()));
        DeadLetter text = DeadLetter.of("icbd.replicas", 1, 2, "{x".getBytes(), "bad", "planner", T);
        assertEquals("{x", text.value().orElseThrow());
        DeadLetter tombstone = DeadLetter.of("icbd.replicas", 1, 2, null, "bad", "planner", T);
        assertTrue(tombstone.rawValue().isEmpty());
    }

    @Test
    void compressionCodesAreStable() {
        assertEquals(Compression.LZ4, Compression.forCode("lz4"));
        assertEquals(Compression.NONE, Compression.forCode("none"));
        assertEquals(Optional.of(Compression.LZ4), Compression.find("LZ4"));
        assertEquals(Optional.empty(), Compression.find("brotli"));
        rejects("compression 'brotli' is unknown: use none, lz4 or zstd", () -> Compression.forCode("brotli"));
    }

    private static List<Integer> toList(byte[] bytes) {
        return java.util.stream.IntStream.range(0, bytes.length).map(i -> bytes[i] & 0xff).boxed().toList();
    }
}
