package org.icbd.rcs.master.lifecycle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.icbd.rcs.events.Fields;

/**
 * One replica subscribed to the image, as retention sees it: what it holds and whether it is
 * reachable. Whether each held version is really the master's snapshot is the planner's concern,
 * not retention's: a held number the master never published protects nothing.
 *
 * @param replicaId the replica's id, a valid name
 * @param held      the version numbers it holds, in any order; sorted here, no repeats; may be
 *                  empty
 * @param presence  online, or OFFLINE since when
 */
public record SubscribedReplica(String replicaId, List<Integer> held, Presence presence) {

    /** Validates every field and sorts {@code held}; messages name the field. */
    public SubscribedReplica {
        Fields.name(replicaId, "replicaId");
        Objects.requireNonNull(held, "held must not be null");
        Objects.requireNonNull(presence, "presence must not be null");
        List<Integer> sorted = new ArrayList<>(List.copyOf(held)); // rejects null elements
        Collections.sort(sorted);
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i) <= 0) {
                throw new IllegalArgumentException("held versions of " + replicaId + " must be > 0, but "
                        + sorted.get(i) + " is held");
            }
            if (i > 0 && sorted.get(i).equals(sorted.get(i - 1))) {
                throw new IllegalArgumentException("held versions of " + replicaId + " must not repeat a version, but "
                        + sorted.get(i) + " appears twice");
            }
        }
        held = List.copyOf(sorted);
    }

    /** An online replica holding {@code held}. */
    public static SubscribedReplica online(String replicaId, Integer... held) {
        return new SubscribedReplica(replicaId, List.of(held), Presence.ONLINE);
    }

    /** This replica with another presence. */
    public SubscribedReplica withPresence(Presence other) {
        return new SubscribedReplica(replicaId, held, other);
    }
}
