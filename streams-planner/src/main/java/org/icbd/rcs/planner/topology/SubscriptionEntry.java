package org.icbd.rcs.planner.topology;

import java.time.Duration;
import java.time.Instant;
import org.icbd.rcs.events.Fields;

/**
 * What the planner stores of one replica's subscription to one image.
 *
 * @param lastSeen the replica's last heartbeat as it stamped it, but never later than when the
 *                 planner received it: a replica clock running ahead must not keep a silent
 *                 replica "online". Replica and planner clocks are assumed to agree to well
 *                 within {@code offline-after} (NTP).
 */
public record SubscriptionEntry(String site, int keep, Instant lastSeen) {

    public SubscriptionEntry {
        Fields.name(site, "site");
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        }
        Fields.present(lastSeen, "lastSeen");
    }

    /** True iff no heartbeat arrived for longer than {@code offlineAfter} before {@code now}. */
    public boolean silentAt(Instant now, Duration offlineAfter) {
        return Duration.between(lastSeen, now).compareTo(offlineAfter) > 0;
    }
}
