package org.icbd.rcs.bench;

import java.util.Map;
import java.util.Optional;

/**
 * One measurement of one case.
 *
 * @param seconds     from the request to the verified, promoted version (raw: the pipe's run)
 * @param wireBytes   what crossed the SSH channel (compressed when LZ4); the stream itself for raw
 * @param streamBytes the btrfs send stream
 * @param phases      seconds per phase: connect, transfer, promote for a step; for the raw pipe, the
 *                    pipe and the flush of the received data that followed it (not in {@code seconds})
 * @param peakRss     the peak resident memory of each site JVM during the measurement, in bytes
 * @param cpuSeconds  CPU time used during the measurement: per site JVM ({@code master}, {@code replica})
 *                    and by its ended children ({@code master children} is btrfs send, {@code replica
 *                    children} btrfs receive); for raw, {@code bench children} is the whole pipe
 * @param linkBytes   what the shaped link's qdisc sent during the measurement (link cases only)
 * @param ssh         the negotiated cipher and key exchange (system cases only); in the resume cases also
 *                    the attempts the step took ({@code MasterClient, 2 attempts})
 */
public record Sample(double seconds, long wireBytes, long streamBytes, Map<String, Double> phases,
                     Map<String, Long> peakRss, Map<String, Double> cpuSeconds, Optional<Long> linkBytes,
                     Optional<String> ssh) {

    public Sample {
        phases = Map.copyOf(phases);
        peakRss = Map.copyOf(peakRss);
        cpuSeconds = Map.copyOf(cpuSeconds);
    }

    /** The same measurement with another duration (e.g. a pipe's with its flush added). */
    public Sample withSeconds(double newSeconds) {
        return new Sample(newSeconds, wireBytes, streamBytes, phases, peakRss, cpuSeconds, linkBytes, ssh);
    }
}
