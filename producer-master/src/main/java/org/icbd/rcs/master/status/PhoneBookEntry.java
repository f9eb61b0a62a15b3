package org.icbd.rcs.master.status;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.icbd.rcs.events.Subscription;

/**
 * One registered replica in the phone book ({@code icbd replicas}, {@code /api/replicas}).
 *
 * @param lastSeen           its last heartbeat
 * @param lastSeenAgeSeconds how long ago that was, when the entry was made
 * @param state              {@value #ONLINE} or {@value #OFFLINE} ({@link StatusBoard#replicas} says how it is judged)
 */
public record PhoneBookEntry(String replicaId, String site, List<Subscription> subscriptions, Instant lastSeen,
                             long lastSeenAgeSeconds, String software, String state) {

    public static final String ONLINE = "ONLINE";
    public static final String OFFLINE = "OFFLINE";

    public PhoneBookEntry {
        Objects.requireNonNull(replicaId, "replicaId");
        subscriptions = List.copyOf(subscriptions);
        if (!state.equals(ONLINE) && !state.equals(OFFLINE)) {
            throw new IllegalArgumentException("state must be ONLINE or OFFLINE, got " + state);
        }
    }

    public boolean offline() {
        return state.equals(OFFLINE);
    }
}
