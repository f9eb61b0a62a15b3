package org.icbd.rcs.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every measurement of one case, and their summary.
 *
 * @param name          e.g. {@code loopback lz4}
 * @param route         raw, loopback or link
 * @param compression   none or lz4 ({@code none} for raw)
 * @param step          full or delta
 * @param seconds       median and range over the samples
 * @param wireBytes     bytes on the wire (of the last sample; equal in every sample)
 * @param streamBytes   bytes of btrfs send stream
 * @param streamMBps    stream bytes per second at the median time, in MB/s (10^6)
 * @param ratioToRaw    median time over the raw pipe's median time for the same step; empty without raw
 * @param peakRssBytes  per site JVM, the highest peak over the samples
 * @param phases        seconds per phase (see {@link Sample#phases()}), the median over the samples
 * @param cpuSeconds    per process group (see {@link Sample#cpuSeconds()}), the median over the samples
 * @param linkMBps      what the shaped link carried per second at the median (link cases only)
 * @param samples       the measurements, in order
 */
public record CaseResult(String name, String route, String compression, String step, Spread seconds, long wireBytes,
                         long streamBytes, double streamMBps, Optional<Double> ratioToRaw, Map<String, Long> peakRssBytes,
                         Map<String, Double> phases, Map<String, Double> cpuSeconds, Optional<Double> linkMBps, List<Sample> samples) {
}
