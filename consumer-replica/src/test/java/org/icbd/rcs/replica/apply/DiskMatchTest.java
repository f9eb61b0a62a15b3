package org.icbd.rcs.replica.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.TransferStep;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Table-driven: a compact notation for the disk and the task.
 *
 * <ul>
 *   <li>disk: {@code "1,2"} holds versions 1 and 2 with their master uuids; {@code "3!"} holds 3 with
 *       another uuid; {@code "-"} holds nothing
 *   <li>task: {@code "expect>steps"}, steps as {@code 3} (full) or {@code 2-3} (delta from 2)
 *   <li>verdict: {@code target}, {@code stale}, or the remaining steps' versions, e.g. {@code run 2 3}
 * </ul>
 */
class DiskMatchTest {

    @ParameterizedTest(name = "disk [{0}], task {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "-     | >1          | run 1",
            "-     | >1 1-2 2-3  | run 1 2 3",
            "1     | 1>1-2       | run 2",
            "1,2   | 1>1-2 2-3   | run 3",    // step 2 was applied before a crash or a transient failure
            "1,2,3 | 1>1-2 2-3   | target",   // delivered again after it was applied
            "1     | 1>1-2 2-3   | run 2 3",
            "2     | 1>1-2       | target",
            "1,2   | 1>1-3       | stale",    // the disk holds 2, the planner did not know
            "-     | 1>1-2       | stale",    // the planner believed 1 is here
            "1     | ->3         | stale",
            "1,2!  | 1>1-2       | stale",    // 2 is here but not the master's 2
            "1,3!  | 1>1-2 2-3   | stale",
            "5     | 5>7         | run 7",    // a full step while 5 is held (no usable parent): still applies
            "5     | 5>5-7       | run 7",
    })
    void verdict(String disk, String task, String verdict) {
        DiskMatch match = DiskMatch.of(task(task.strip()), disk(disk.strip()));
        String v = verdict.strip();
        if (v.equals("target")) {
            assertInstanceOf(DiskMatch.HasTarget.class, match);
        } else if (v.equals("stale")) {
            assertInstanceOf(DiskMatch.Stale.class, match);
        } else {
            DiskMatch.Proceed proceed = assertInstanceOf(DiskMatch.Proceed.class, match);
            List<Integer> expected = Arrays.stream(v.substring("run ".length()).split(" ")).map(Integer::valueOf)
                    .collect(Collectors.toList());
            assertEquals(expected, proceed.remaining().stream().map(TransferStep::version).collect(Collectors.toList()));
        }
    }

    @org.junit.jupiter.api.Test
    void staleSaysBothSides() {
        DiskMatch.Stale stale = (DiskMatch.Stale) DiskMatch.of(task("1>1-3"), disk("1,2"));
        assertEquals("the disk holds versions [1, 2] but the task expected [1]", stale.describe());
        assertEquals(new TreeSet<>(List.of(1, 2)), stale.held());
    }

    static String uuid(int version) {
        return String.format("00000000-0000-0000-0000-%012d", version);
    }

    static String otherUuid(int version) {
        return String.format("ffffffff-0000-0000-0000-%012d", version);
    }

    static List<HeldVersion> disk(String notation) {
        if (notation.equals("-")) {
            return List.of();
        }
        List<HeldVersion> held = new ArrayList<>();
        for (String v : notation.split(",")) {
            boolean other = v.endsWith("!");
            int version = Integer.parseInt(other ? v.substring(0, v.length() - 1) : v);
            held.add(new HeldVersion(version, other ? otherUuid(version) : uuid(version)));
        }
        return held;
    }

    static ReplicationTask task(String notation) {
        String[] parts = notation.split(">", -1);
        List<Integer> expect = parts[0].isEmpty() || parts[0].equals("-") ? List.of()
                : Arrays.stream(parts[0].split(",")).map(Integer::valueOf).collect(Collectors.toList());
        List<TransferStep> steps = new ArrayList<>();
        for (String s : parts[1].strip().split(" ")) {
            int dash = s.indexOf('-');
            if (dash < 0) {
                int v = Integer.parseInt(s);
                steps.add(TransferStep.full(v, uuid(v)));
            } else {
                int p = Integer.parseInt(s.substring(0, dash));
                int v = Integer.parseInt(s.substring(dash + 1));
                steps.add(TransferStep.delta(p, uuid(p), v, uuid(v)));
            }
        }
        return ReplicationTask.of("t-1", "r1", "ubuntu", expect, steps, Compression.NONE, Instant.EPOCH);
    }
}
