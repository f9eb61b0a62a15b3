package org.icbd.rcs.bench.simulate;

import java.io.PrintWriter;

/**
 * What a simulation measured, and what it checked.
 *
 * @param tasks             tasks the replicas received
 * @param p50Millis         publish to task received, median over every task of the rounds
 * @param p99Millis         the same, 99th percentile
 * @param ackToInSyncMillis the longest, over the rounds, from the round's last acknowledgement to
 *                          every pair IN_SYNC at the round's version
 * @param recordsPerSecond  records the planners consumed per second while the rounds ran
 * @param roundCpuSeconds   CPU seconds the planners used while the rounds ran: per task, the figure
 *                          that a machine's load changes least
 * @param idleCpu           the planners' CPU with heartbeats only, in cores
 * @param peakRssBytes      the largest peak RSS ({@code VmHWM}) of a planner still running at the end
 * @param falseOffline      OFFLINE transitions (every one false: no simulated replica stops)
 * @param duplicateTaskIds  task ids received more than once
 * @param stepsOutOfOrder   steps not newer than what the pair held (a step applied twice)
 * @param missingParents    deltas whose parent the pair did not hold
 * @param staleTasks        tasks whose expectHave was not what the pair held (answered with the holdings)
 */
public record SimulationResult(int replicas, int images, long tasks, long p50Millis, long p99Millis,
                               long ackToInSyncMillis, double recordsPerSecond, double roundCpuSeconds,
                               double idleCpu, long peakRssBytes, long falseOffline, long duplicateTaskIds,
                               long stepsOutOfOrder, long missingParents, long staleTasks, boolean converged) {

    /** True iff the command exits 0: converged without a false OFFLINE. */
    public boolean ok() {
        return converged && falseOffline == 0;
    }

    /** The last line, exactly as the issue writes it. */
    public String line() {
        return "simulate: replicas=" + replicas + " images=" + images + " tasks=" + tasks + " p50_ms=" + p50Millis
                + " p99_ms=" + p99Millis + " false_offline=" + falseOffline + " converged=" + (converged ? "yes" : "no");
    }

    public void print(PrintWriter out) {
        out.printf("publish to task: p50 %d ms, p99 %d ms%n", p50Millis, p99Millis);
        out.printf("last acknowledgement to every pair IN_SYNC: %d ms (longest round)%n", ackToInSyncMillis);
        out.printf("planner records consumed: %.0f/s%n", recordsPerSecond);
        out.printf("planner CPU while the rounds ran: %.1f s, %.2f ms per task%n", roundCpuSeconds,
                tasks == 0 ? 0.0 : roundCpuSeconds * 1000 / tasks);
        out.printf("planner idle CPU (heartbeats only): %.0f%% of a core%n", idleCpu * 100);
        out.printf("planner peak RSS: %d MiB%n", peakRssBytes >> 20);
        out.printf("false OFFLINE transitions: %d%n", falseOffline);
        out.printf("checks: duplicate task ids %d, steps applied out of order %d, missing parents %d, "
                + "stale tasks answered with the disk %d%n", duplicateTaskIds, stepsOutOfOrder, missingParents,
                staleTasks);
        out.println(line());
        out.flush();
    }
}
