package org.icbd.rcs.master.service;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.icbd.rcs.master.fleet.FleetView;
import org.icbd.rcs.master.lifecycle.VersionHistory;

/**
 * What the master saw at its latest reconcile round: each image's history, the fleet, and the
 * retention setting, from which the HTTP API says what protects each version.
 *
 * @param histories image → its history after the round
 * @param fleet     the subscribed replicas per image ({@link FleetView#EMPTY} before the first read)
 * @param keep      the retention setting; empty when the master prunes nothing
 * @param at        when the fleet was read; {@link Instant#EPOCH} before the first read
 */
public record LifecycleView(Map<String, VersionHistory> histories, FleetView fleet, Optional<Integer> keep,
                            Instant at) {

    /** Before the first round. */
    public static final LifecycleView NONE = new LifecycleView(Map.of(), FleetView.EMPTY, Optional.empty(),
            Instant.EPOCH);

    /** Copies the map; rejects missing fields. */
    public LifecycleView {
        histories = Map.copyOf(Objects.requireNonNull(histories, "histories must not be null"));
        Objects.requireNonNull(fleet, "fleet must not be null");
        Objects.requireNonNull(keep, "keep must not be null");
        Objects.requireNonNull(at, "at must not be null");
    }
}
