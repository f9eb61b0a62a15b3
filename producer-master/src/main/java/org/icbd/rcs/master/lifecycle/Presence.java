package org.icbd.rcs.master.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Whether a subscribed replica is reachable, as the planner's status says: online, or OFFLINE
 * since some instant. Only the time rule of {@link #lapsedAt} matters to retention.
 */
public sealed interface Presence permits Presence.Online, Presence.Offline {

    /** A replica that is not OFFLINE. */
    Presence ONLINE = new Online();

    /**
     * True iff this replica has been OFFLINE for strictly longer than {@code offlineLimit} at
     * {@code now}; such a replica no longer protects its next parent. An OFFLINE start after
     * {@code now} (clock skew) is not past any limit.
     */
    boolean lapsedAt(Instant now, Duration offlineLimit);

    /** Not OFFLINE: always protects. */
    record Online() implements Presence {
        @Override
        public boolean lapsedAt(Instant now, Duration offlineLimit) {
            return false;
        }
    }

    /**
     * OFFLINE (no heartbeat for the planner's offline-after) since {@code since}.
     *
     * @param since when the replica became OFFLINE
     */
    record Offline(Instant since) implements Presence {

        /** Rejects a missing instant; the message names the field. */
        public Offline {
            Objects.requireNonNull(since, "since must not be null");
        }

        @Override
        public boolean lapsedAt(Instant now, Duration offlineLimit) {
            return Duration.between(since, now).compareTo(offlineLimit) > 0;
        }
    }
}
