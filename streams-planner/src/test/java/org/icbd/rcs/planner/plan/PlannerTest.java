package org.icbd.rcs.planner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The planner's rules, one row per case, in the {@link CompactNotation}: {@code x3} is a retired
 * version, {@code 3!} a held version whose received_uuid is not the master's, {@code -} nothing.
 * The outcome is the plan's basis or the conflict's type.
 */
class PlannerTest {

    @ParameterizedTest(name = "history {0}, have {1}, keep {2} -> {3}: {4}")
    @CsvSource(delimiter = '|', textBlock = """
            # history               | have     | keep | outcome         | result
            # the replica holds nothing: full send of the oldest kept version, then deltas
            1,2,3,4,5,6,7,8,9,10    | -        | 3    | Initial         | full 8, 8->9, 9->10
            1,2,3,4,5,6,7,8,9,10    | -        | 1    | Initial         | full 10
            1,2,3                   | -        | 5    | Initial         | full 1, 1->2, 2->3
            1,2,x3,4,5              | -        | 3    | Initial         | full 2, 2->4, 4->5
            x1,2,3                  | -        | 9    | Initial         | full 2, 2->3

            # deltas from the newest held version through every kept version newer than it
            1,2,3,4,5,6,7,8,9,10    | 2        | 3    | Incremental     | 2->8, 8->9, 9->10
            1,2,3,4,5,6,7,8,9,10    | 8        | 3    | Incremental     | 8->9, 9->10
            1,2,3,4,5,6,7,8,9,10    | 9        | 3    | Incremental     | 9->10
            1,2,3,4,5,6,7,8,9,10    | 1        | 1    | Incremental     | 1->10
            1,2,3,4,5,6,7,8,9,10    | 7        | 20   | Incremental     | 7->8, 8->9, 9->10
            1,2,3,4,5,6,7,8,9,10    | 2,5      | 3    | Incremental     | 5->8, 8->9, 9->10
            1,2,3,5                 | 2        | 3    | Incremental     | 2->3, 3->5
            # forward only: kept versions older than the newest held one are not backfilled
            1,2,3,4,5,6,7,8,9,10    | 5        | 10   | Incremental     | 5->6, 6->7, 7->8, 8->9, 9->10

            # in sync: the newest live version is held, even without the older kept ones
            1,2,3,4,5,6,7,8,9,10    | 10       | 3    | InSync          | none
            1,2,3,4,5,6,7,8,9,10    | 1,10     | 5    | InSync          | none
            1                       | 1        | 1    | InSync          | none
            1,2,3,x4                | 3        | 3    | InSync          | none
            1,2,3,x4                | 3,4      | 3    | InSync          | none

            # retired intermediate versions are skipped
            1,2,x3,x4,5             | 2        | 3    | Incremental     | 2->5
            1,2,x3,4,x5,6           | 2        | 2    | Incremental     | 2->4, 4->6
            1,2,x3,4,5              | 2        | 1    | Incremental     | 2->5

            # the replica's only common versions are retired: full send, no conflict
            1,x2,3,4,5              | 2        | 2    | Reseed          | full 4, 4->5
            x1,2,3                  | 1        | 1    | Reseed          | full 3
            x1,x2,3,4,5,6           | 1,2      | 3    | Reseed          | full 4, 4->5, 5->6
            x1,x2,3,4,5             | 2        | 5    | Reseed          | full 3, 3->4, 4->5

            # held versions both older and newer than retired ones
            1,2,x3,4,x5,6,7         | 2,4      | 2    | Incremental     | 4->6, 6->7
            1,2,x3,4,5              | 2,3      | 3    | Incremental     | 2->4, 4->5
            1,2,3,4,x5,6,7,8        | 2,5      | 5    | Incremental     | 2->6, 6->7, 7->8
            x1,2,x3,4               | 1,3      | 3    | Reseed          | full 4

            # the master retired its newest versions (a rollback): the replica gets the newest live one
            1,2,3,x4                | 2,4      | 3    | Incremental     | 2->3
            1,2,3,x4,x5             | 4        | 3    | Reseed          | full 3
            1,2,3,x4,x5             | 5        | 1    | Reseed          | full 3

            # nothing live on the master
            x1,x2,x3                | -        | 3    | NoLiveVersion   | none
            x1,x2,x3                | 2        | 3    | NoLiveVersion   | none
            -                       | -        | 1    | NoLiveVersion   | none

            # the replica holds versions the master does not know
            1,2,3                   | 2,7      | 3    | UnknownVersions | conflict: unknown 7
            -                       | 4        | 3    | UnknownVersions | conflict: unknown 4
            x1                      | 5        | 1    | UnknownVersions | conflict: unknown 5
            3,4,5                   | 1,4      | 3    | UnknownVersions | conflict: unknown 1

            # the replica holds a version whose received_uuid is not the master's uuid
            1,2,3                   | 2!       | 3    | Diverged        | conflict: diverged 2
            1,2,3                   | 1!,3     | 3    | Diverged        | conflict: diverged 1
            1,2,x3                  | 3!       | 3    | Diverged        | conflict: diverged 3
            1,2,3                   | 1,2!,9   | 3    | Diverged        | conflict: diverged 2; unknown 9
            """)
    void plans(String history, String have, int keep, String outcome, String result) {
        PlanResult planned = Planner.plan(
                CompactNotation.parseHistory(history), CompactNotation.parseHoldings(have), keep);

        assertEquals(result, planned.render());
        assertEquals(outcome, planned instanceof Plan plan
                ? plan.basis().getClass().getSimpleName()
                : planned.getClass().getSimpleName());
    }

    @Test
    void stepsCarryTheMastersUuidsOfTheVersionAndOfTheParent() {
        Plan plan = (Plan) Planner.plan(CompactNotation.parseHistory("1,2,x3,4"), CompactNotation.parseHoldings("2"), 3);

        assertEquals(List.of(new Step.Delta(2, CompactNotation.syntheticUuid(2), 4, CompactNotation.syntheticUuid(4))),
                plan.steps());
    }

    @Test
    void anInitialPlanStartsWithAFullSendCarryingTheVersionsUuid() {
        Plan plan = (Plan) Planner.plan(CompactNotation.parseHistory("1,2"), ReplicaHoldings.NONE, 2);

        assertEquals(List.of(
                        new Step.Full(1, CompactNotation.syntheticUuid(1)),
                        new Step.Delta(1, CompactNotation.syntheticUuid(1), 2, CompactNotation.syntheticUuid(2))),
                plan.steps());
    }

    @Test
    void aReseedPlanSaysWhyItSendsInFull() {
        PlanResult result = Planner.plan(CompactNotation.parseHistory("x1,x2,3,4"), CompactNotation.parseHoldings("1,2"), 2);

        assertEquals("""
                plan: full 3, 3->4
                why:  the replica's versions (1, 2) are all retired on the master, which cannot send a delta \
                from them: a full send of 3, then deltas""", result.describe());
    }

    @Test
    void describesEveryKindOfPlanForAnOperator() {
        assertEquals("""
                plan: full 8, 8->9, 9->10
                why:  the replica holds nothing of this image: a full send of 8, the oldest version it keeps, \
                then deltas""", describe("1,2,3,4,5,6,7,8,9,10", "-", 3));
        assertEquals("""
                plan: 2->3, 3->5
                why:  deltas from 2, the newest version the replica holds that is live on the master""",
                describe("1,2,3,5", "2", 3));
        assertEquals("""
                plan: none
                why:  the replica holds 5, the newest live version: in sync""", describe("1,2,3,5", "5", 3));
        assertEquals("""
                plan: none
                why:  the master has no live version of this image (none published yet, or all retired): \
                nothing to send""", describe("x1", "-", 3));
    }

    @Test
    void aDivergedConflictListsBothSidesTheUuidsAndWhatToDo() {
        PlanResult result = Planner.plan(CompactNotation.parseHistory("1,2,x3,5"), CompactNotation.parseHoldings("2,3!,12"), 3);

        Conflict.Diverged conflict = assertInstanceOf(Conflict.Diverged.class, result);
        assertEquals(List.of(3), conflict.diverged().stream().map(ReplicaHolding::version).toList());
        assertEquals(List.of(12), conflict.unknown().stream().map(ReplicaHolding::version).toList());
        assertEquals("""
                conflict: the replica has diverged from the master: its 3 is not the master's 3
                  master has:  1, 2, x3, 5   (x = retired)
                  replica has: 2, 3!, 12?   (! = not the master's snapshot of that version, ? = not in the master's history)
                  3: master uuid 00000000-0000-0000-0000-000000000003, replica received_uuid ffffffff-0000-0000-0000-000000000003
                  12: not in the master's history; replica received_uuid 00000000-0000-0000-0000-000000000012
                nothing is sent to this replica for this image until an operator:
                  - finds out which side is right: was the master's image restored or rebuilt, or a version \
                re-created, after the replica received 3?
                  - if the master is right, deletes versions/3, versions/12 on the replica (after copying them \
                aside if they matter); the next plan then sends deltas from the newest version left in common, \
                or a full send if none is left""", result.describe());
    }

    @Test
    void anUnknownVersionsConflictListsBothSidesAndWhatToDo() {
        PlanResult result = Planner.plan(CompactNotation.parseHistory("1,2,3"), CompactNotation.parseHoldings("2,7"), 3);

        assertInstanceOf(Conflict.UnknownVersions.class, result);
        assertEquals("""
                conflict: the replica holds 7, which the master's history does not contain
                  master has:  1, 2, 3
                  replica has: 2, 7?   (? = not in the master's history)
                  7: not in the master's history; replica received_uuid 00000000-0000-0000-0000-000000000007
                nothing is sent to this replica for this image until an operator:
                  - if the master still has 7 on disk but its history lost it, checks that the master service \
                runs: it publishes every version on disk that the history lacks at each reconciliation
                  - otherwise deletes versions/7 on the replica; the next plan then continues from the newest \
                version left in common""", result.describe());
    }

    @Test
    void aHeldSubvolumeWithoutReceivedUuidIsDivergedAndSaidSo() {
        ReplicaHoldings holdings = ReplicaHoldings.of(new ReplicaHolding(1, SnapshotUuid.NIL));

        PlanResult result = Planner.plan(CompactNotation.parseHistory("1,2"), holdings, 1);

        assertInstanceOf(Conflict.Diverged.class, result);
        assertEquals(true, result.describe().contains(
                "1: master uuid 00000000-0000-0000-0000-000000000001, replica received_uuid "
                        + "00000000-0000-0000-0000-000000000000 (none: never received)"), result.describe());
    }

    private static String describe(String history, String have, int keep) {
        return Planner.plan(CompactNotation.parseHistory(history), CompactNotation.parseHoldings(have), keep).describe();
    }
}
