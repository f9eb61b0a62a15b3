package org.icbd.rcs.planner.topology;

import java.time.Duration;
import java.util.Objects;
import org.icbd.rcs.events.Compression;

/**
 * What the planner topology needs to know besides its inputs. Time itself is not a setting: the
 * processors read the wall clock through {@code ProcessorContext.currentSystemTimeMs()}, which
 * {@code TopologyTestDriver} replaces with its mock clock.
 *
 * <p>Valid iff every duration is positive and the punctuation interval is shorter than both
 * deadlines it serves (a sweep that runs less often than the deadline would detect it late by up
 * to a whole interval).
 *
 * @param offlineAfter   a pair is OFFLINE once its replica's last heartbeat is older than this
 * @param stallDeadline  an issued task that shows no progress for this long is issued again
 * @param compression    the stream encoding a task asks for when its replica announced no
 *                       preference in its registration
 * @param punctuateEvery how often the wall-clock sweep looks for silent replicas and stalled tasks
 * @param limits         the bounds every input record is held to
 */
public record TopologySettings(Duration offlineAfter, Duration stallDeadline, Compression compression,
                               Duration punctuateEvery, InputLimits limits) {

    /** Three missed heartbeats at the replica's default 10 s interval. */
    public static final Duration DEFAULT_OFFLINE_AFTER = Duration.ofSeconds(30);
    /** Long enough for a full send of a large image to report its first progress. */
    public static final Duration DEFAULT_STALL_DEADLINE = Duration.ofMinutes(5);
    /** LZ4 costs little CPU and roughly halves a VM disk's stream. */
    public static final Compression DEFAULT_COMPRESSION = Compression.LZ4;
    public static final Duration DEFAULT_PUNCTUATE_EVERY = Duration.ofSeconds(1);
    /** Kafka Streams schedules punctuations in whole milliseconds. */
    public static final Duration MIN_PUNCTUATE_EVERY = Duration.ofMillis(1);

    public static final TopologySettings DEFAULTS = new TopologySettings(DEFAULT_OFFLINE_AFTER,
            DEFAULT_STALL_DEADLINE, DEFAULT_COMPRESSION, DEFAULT_PUNCTUATE_EVERY, InputLimits.DEFAULTS);

    /** Validates every field; a message names the setting as operators write it. */
    public TopologySettings {
        positive(offlineAfter, "offline-after");
        positive(stallDeadline, "stall-deadline");
        Objects.requireNonNull(compression, "compression is missing");
        positive(punctuateEvery, "punctuate-every");
        if (punctuateEvery.compareTo(MIN_PUNCTUATE_EVERY) < 0) {
            throw new IllegalArgumentException("punctuate-every must be at least " + MIN_PUNCTUATE_EVERY
                    + ", got " + punctuateEvery);
        }
        if (punctuateEvery.compareTo(offlineAfter) >= 0 || punctuateEvery.compareTo(stallDeadline) >= 0) {
            throw new IllegalArgumentException("punctuate-every (" + punctuateEvery
                    + ") must be shorter than offline-after (" + offlineAfter + ") and stall-deadline ("
                    + stallDeadline + ")");
        }
        Objects.requireNonNull(limits, "limits is missing");
    }

    /** Settings with the {@linkplain InputLimits#DEFAULTS default input limits}. */
    public TopologySettings(Duration offlineAfter, Duration stallDeadline, Compression compression,
                            Duration punctuateEvery) {
        this(offlineAfter, stallDeadline, compression, punctuateEvery, InputLimits.DEFAULTS);
    }

    /**
     * Settings with a punctuation interval that fits the deadlines: {@link #DEFAULT_PUNCTUATE_EVERY},
     * or half the shorter deadline when that is shorter still.
     */
    public static TopologySettings of(Duration offlineAfter, Duration stallDeadline, Compression compression) {
        positive(offlineAfter, "offline-after");
        positive(stallDeadline, "stall-deadline");
        Duration half = (offlineAfter.compareTo(stallDeadline) < 0 ? offlineAfter : stallDeadline).dividedBy(2);
        Duration every = half.compareTo(DEFAULT_PUNCTUATE_EVERY) < 0 ? half : DEFAULT_PUNCTUATE_EVERY;
        return new TopologySettings(offlineAfter, stallDeadline, compression,
                every.compareTo(MIN_PUNCTUATE_EVERY) < 0 ? MIN_PUNCTUATE_EVERY : every);
    }

    public TopologySettings withOfflineAfter(Duration value) {
        return new TopologySettings(value, stallDeadline, compression, punctuateEvery, limits);
    }

    public TopologySettings withStallDeadline(Duration value) {
        return new TopologySettings(offlineAfter, value, compression, punctuateEvery, limits);
    }

    public TopologySettings withCompression(Compression value) {
        return new TopologySettings(offlineAfter, stallDeadline, value, punctuateEvery, limits);
    }

    public TopologySettings withPunctuateEvery(Duration value) {
        return new TopologySettings(offlineAfter, stallDeadline, compression, value, limits);
    }

    public TopologySettings withLimits(InputLimits value) {
        return new TopologySettings(offlineAfter, stallDeadline, compression, punctuateEvery, value);
    }

    private static void positive(Duration value, String setting) {
        Objects.requireNonNull(value, () -> setting + " is missing");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + " must be positive, got " + value);
        }
    }
}
