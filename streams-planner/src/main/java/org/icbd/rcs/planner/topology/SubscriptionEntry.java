package org.icbd.rcs.planner.topology;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.time.Instant;
import java.util.Optional;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.PeerService;

/**
 * What the planner stores of one replica's subscription to one image.
 *
 * @param compression the replica's announced codec preference; empty when it announced none (and
 *                    for an entry stored before the field existed): the configured default applies
 * @param lastSeen the replica's last heartbeat as it stamped it, but never later than when the
 *                 planner received it: a replica clock running ahead must not keep a silent
 *                 replica "online". Replica and planner clocks are assumed to agree to well
 *                 within {@code offline-after} (NTP). Moved by registrations and liveness
 *                 changes, not by every heartbeat
 * @param offline  (false when absent: an entry stored before the field existed) the replica fell silent (see {@link LivenessClock}) and was not heard since
 * @param serves   where the replica serves its site's replicas, as its registration announced (site
 *                 peers); empty: it does not serve (and in an entry stored before the field existed)
 */
public record SubscriptionEntry(String site, int keep, Optional<Compression> compression, Instant lastSeen,
                                @JsonSetter(nulls = Nulls.AS_EMPTY) boolean offline, Optional<PeerService> serves) {

    /** An entry of a live replica that does not serve. */
    public SubscriptionEntry(String site, int keep, Optional<Compression> compression, Instant lastSeen) {
        this(site, keep, compression, lastSeen, false, Optional.empty());
    }

    /** An entry of a replica that does not serve. */
    public SubscriptionEntry(String site, int keep, Optional<Compression> compression, Instant lastSeen,
                             boolean offline) {
        this(site, keep, compression, lastSeen, offline, Optional.empty());
    }

    public SubscriptionEntry {
        Fields.name(site, "site");
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        }
        compression = Fields.optional(compression);
        Fields.present(lastSeen, "lastSeen");
        serves = Fields.optional(serves);
    }

    /** The codec this replica's next task asks for: its own preference, else {@code fallback}. */
    public Compression codec(Compression fallback) {
        return compression.orElse(fallback);
    }

    /** The same subscription, with the replica's liveness as last judged. */
    public SubscriptionEntry withLiveness(boolean silent, Instant seen) {
        return new SubscriptionEntry(site, keep, compression, seen.isAfter(lastSeen) ? seen : lastSeen, silent,
                serves);
    }
}
