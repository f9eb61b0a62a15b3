package org.icbd.rcs.planner.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Fields;

/**
 * What the planner stores of one replica's subscription to one image.
 *
 * @param compression the replica's announced codec preference; empty when it announced none (and
 *                    for an entry stored before the field existed): the configured default applies
 * @param lastSeen the replica's last heartbeat as it stamped it, but never later than when the
 *                 planner received it: a replica clock running ahead must not keep a silent
 *                 replica "online". Replica and planner clocks are assumed to agree to well
 *                 within {@code offline-after} (NTP).
 */
public record SubscriptionEntry(String site, int keep, Optional<Compression> compression, Instant lastSeen) {

    public SubscriptionEntry {
        Fields.name(site, "site");
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        }
        compression = Fields.optional(compression);
        Fields.present(lastSeen, "lastSeen");
    }

    /** The codec this replica's next task asks for: its own preference, else {@code fallback}. */
    public Compression codec(Compression fallback) {
        return compression.orElse(fallback);
    }

    /** True iff no heartbeat arrived for longer than {@code offlineAfter} before {@code now}. */
    public boolean silentAt(Instant now, Duration offlineAfter) {
        return Duration.between(lastSeen, now).compareTo(offlineAfter) > 0;
    }
}
