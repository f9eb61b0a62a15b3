package org.icbd.rcs.planner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record rejects bad values in its compact constructor, naming the field. */
class InputValidationTest {

    private static final String U1 = "00000000-0000-0000-0000-000000000001";
    private static final String U2 = "00000000-0000-0000-0000-000000000002";
    private static final String U3 = "00000000-0000-0000-0000-000000000003";

    static Stream<Arguments> invalidInputs() {
        return Stream.of(
                rejects("version 0", "version must be > 0, was 0",
                        () -> MasterVersion.of(0, U1, OptionalInt.empty(), false)),
                rejects("negative version", "version must be > 0, was -3",
                        () -> MasterVersion.of(-3, U1, OptionalInt.empty(), false)),
                rejects("uuid too short", "uuid must be a canonical UUID",
                        () -> MasterVersion.of(1, "0000-0001", OptionalInt.empty(), false)),
                rejects("uuid without dashes", "uuid must be a canonical UUID",
                        () -> MasterVersion.of(1, "00000000000000000000000000000001", OptionalInt.empty(), false)),
                rejects("uuid not hex", "uuid must be a canonical UUID",
                        () -> MasterVersion.of(1, "0000000g-0000-0000-0000-000000000001", OptionalInt.empty(), false)),
                rejects("uuid in braces", "uuid must be a canonical UUID",
                        () -> new SnapshotUuid("{" + U1 + "}")),
                rejects("null uuid", "uuid must not be null",
                        () -> new MasterVersion(1, null, OptionalInt.empty(), false)),
                rejects("nil uuid on the master", "uuid of version 1 must not be the nil UUID",
                        () -> new MasterVersion(1, SnapshotUuid.NIL, OptionalInt.empty(), false)),
                rejects("parent not older", "parentVersion must be > 0 and < version 2, was 2",
                        () -> MasterVersion.of(2, U2, OptionalInt.of(2), false)),
                rejects("parent 0", "parentVersion must be > 0 and < version 2, was 0",
                        () -> MasterVersion.of(2, U2, OptionalInt.of(0), false)),
                rejects("history out of order", "versions must be strictly increasing, but 1 follows 2 at index 1",
                        () -> ImageHistory.of(live(2, U2), live(1, U1))),
                rejects("history duplicate", "versions must be strictly increasing, but 1 follows 1 at index 1",
                        () -> ImageHistory.of(live(1, U1), live(1, U2))),
                rejects("history shared uuid", "versions must have distinct uuids, but versions 1 and 2 both have uuid",
                        () -> ImageHistory.of(live(1, U1), live(2, U1))),
                rejects("held version 0", "version must be > 0, was 0",
                        () -> ReplicaHolding.of(0, U1)),
                rejects("held uuid bad", "receivedUuid must be a canonical UUID (8-4-4-4-12 hex digits), was '-'",
                        () -> ReplicaHolding.of(1, "-")),
                rejects("held uuid null", "receivedUuid must not be null",
                        () -> new ReplicaHolding(1, null)),
                rejects("holdings duplicate", "versions must not repeat a version, but 2 appears twice",
                        () -> ReplicaHoldings.of(ReplicaHolding.of(2, U2), ReplicaHolding.of(1, U1),
                                ReplicaHolding.of(2, U1))),
                rejects("keep 0", "keep must be >= 1, was 0",
                        () -> Planner.plan(ImageHistory.EMPTY, ReplicaHoldings.NONE, 0)),
                rejects("keep negative", "keep must be >= 1, was -1",
                        () -> Planner.plan(ImageHistory.EMPTY, ReplicaHoldings.NONE, -1)),
                rejects("full send of version 0", "version must be > 0, was 0",
                        () -> new Step.Full(0, uuid(U1))),
                rejects("delta backwards", "version must be > parentVersion 2, was 1",
                        () -> new Step.Delta(2, uuid(U2), 1, uuid(U1))),
                rejects("delta onto itself", "uuid must differ from parentUuid",
                        () -> new Step.Delta(1, uuid(U1), 2, uuid(U1))),
                rejects("plan: steps for an in-sync basis", "steps must fit the basis InSync[newestLive=2] (no step), were full 2",
                        () -> new Plan(new Plan.Basis.InSync(2), List.of(new Step.Full(2, uuid(U2))))),
                rejects("plan: no step for an initial basis", "(a first step that is a full send), were none",
                        () -> new Plan(new Plan.Basis.Initial(), List.of())),
                rejects("plan: incremental from the wrong base", "(a first step that is a delta from 1), were full 2",
                        () -> new Plan(new Plan.Basis.Incremental(1), List.of(new Step.Full(2, uuid(U2))))),
                rejects("plan: two full sends", "steps must form a chain, but step 2 (full 2) is not a delta from step 1 (full 1)",
                        () -> new Plan(new Plan.Basis.Initial(),
                                List.of(new Step.Full(1, uuid(U1)), new Step.Full(2, uuid(U2))))),
                rejects("plan: a gap in the chain", "step 2 (1->2) is not a delta from step 1 (full 3)",
                        () -> new Plan(new Plan.Basis.Initial(),
                                List.of(new Step.Full(3, uuid(U3)), new Step.Delta(1, uuid(U1), 2, uuid(U2))))),
                rejects("reseed without retired versions", "retiredHeld must not be empty",
                        () -> new Plan.Basis.Reseed(List.of())),
                rejects("conflict that is not one", "replica must hold a version that differs from the master's",
                        () -> new Conflict.Diverged(ImageHistory.of(live(1, U1)), ReplicaHoldings.of(ReplicaHolding.of(1, U1)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidInputs")
    void rejectsWithAMessageNamingTheField(String name, String expectedMessage, Executable construction) {
        Exception e = assertThrows(RuntimeException.class, construction);
        assertTrue(e instanceof IllegalArgumentException || e instanceof NullPointerException,
                () -> "unexpected exception type " + e);
        assertTrue(e.getMessage().contains(expectedMessage),
                () -> "expected a message containing \"" + expectedMessage + "\", got \"" + e.getMessage() + "\"");
    }

    @Test
    void uuidsAreStoredLowerCaseSoEqualityIgnoresInputCase() {
        assertEquals(new SnapshotUuid("0000000a-0000-0000-0000-00000000000b"),
                new SnapshotUuid("0000000A-0000-0000-0000-00000000000B"));
    }

    @Test
    void aReplicaMayHoldASubvolumeWithANilReceivedUuid() {
        // A locally created subvolume has no received_uuid: that is a disk state to report as a
        // conflict, not a malformed input.
        assertTrue(new ReplicaHolding(1, SnapshotUuid.NIL).receivedUuid().isNil());
    }

    @Test
    void holdingsAreSortedBecauseTheReplicaListsItsDiskInAnyOrder() {
        ReplicaHoldings holdings = ReplicaHoldings.of(ReplicaHolding.of(2, U2), ReplicaHolding.of(1, U1));
        assertEquals(List.of(1, 2), holdings.versions().stream().map(ReplicaHolding::version).toList());
    }

    private static Arguments rejects(String name, String message, Executable construction) {
        return Arguments.of(name, message, construction);
    }

    private static SnapshotUuid uuid(String text) {
        return new SnapshotUuid(text);
    }

    private static MasterVersion live(int version, String uuid) {
        return MasterVersion.of(version, uuid, OptionalInt.empty(), false);
    }
}
