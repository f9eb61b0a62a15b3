package org.icbd.rcs.events;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A value of the compacted {@code icbd.replicas}, keyed by replica id: who the replica is and what
 * it subscribes to. The replica republishes it at every heartbeat with a new {@code lastSeen}; a
 * tombstone (null value) deregisters it.
 *
 * <p>{@code compression} was added after schema 1 was first written, and stays schema 1: it is
 * optional, a reader that predates it ignores it, and a registration without it reads as one
 * with no preference.
 *
 * @param publicKeyFingerprint the SHA-256 fingerprint of the key it authenticates to the master with
 * @param software             the replica's software version, for operators
 * @param compression          the stream encoding the replica prefers for its own tasks (the
 *                             trade of CPU for bandwidth suits its link); empty: no preference, and
 *                             the planner's configured default applies. A code this build does not
 *                             know (a newer replica's codec) reads as empty rather than losing the
 *                             registration
 * @param serves               where the replica serves its versions to its site's replicas (site
 *                             peers); empty: it does not serve. Optional and schema 1, like
 *                             {@code compression}
 */
public record ReplicaRegistered(
        int schemaVersion,
        String replicaId,
        String site,
        List<Subscription> subscriptions,
        String sshUser,
        String publicKeyFingerprint,
        String software,
        @JsonDeserialize(contentUsing = Compression.KnownOrAbsent.class) Optional<Compression> compression,
        Instant lastSeen,
        Optional<PeerService> serves) {

    public static final int SCHEMA_VERSION = 1;

    public ReplicaRegistered {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "ReplicaRegistered");
        Fields.name(replicaId, "replicaId");
        Fields.name(site, "site");
        subscriptions = Fields.list(subscriptions, "subscriptions");
        Set<String> images = new HashSet<>();
        for (Subscription s : subscriptions) {
            if (!images.add(s.image())) {
                throw new IllegalArgumentException("subscriptions name image " + s.image() + " twice");
            }
        }
        Fields.nonBlank(sshUser, "sshUser");
        Fields.nonBlank(publicKeyFingerprint, "publicKeyFingerprint");
        Fields.nonBlank(software, "software");
        compression = Fields.optional(compression);
        Fields.present(lastSeen, "lastSeen");
        serves = Fields.optional(serves);
    }

    /** A registration of a replica that does not serve its site. */
    public ReplicaRegistered(int schemaVersion, String replicaId, String site, List<Subscription> subscriptions,
                             String sshUser, String publicKeyFingerprint, String software,
                             Optional<Compression> compression, Instant lastSeen) {
        this(schemaVersion, replicaId, site, subscriptions, sshUser, publicKeyFingerprint, software, compression,
                lastSeen, Optional.empty());
    }

    public static ReplicaRegistered of(String replicaId, String site, List<Subscription> subscriptions,
                                       String sshUser, String publicKeyFingerprint, String software,
                                       Optional<Compression> compression, Instant lastSeen) {
        return new ReplicaRegistered(SCHEMA_VERSION, replicaId, site, subscriptions, sshUser,
                publicKeyFingerprint, software, compression, lastSeen);
    }

    /** A registration without a compression preference. */
    public static ReplicaRegistered of(String replicaId, String site, List<Subscription> subscriptions,
                                       String sshUser, String publicKeyFingerprint, String software,
                                       Instant lastSeen) {
        return of(replicaId, site, subscriptions, sshUser, publicKeyFingerprint, software, Optional.empty(),
                lastSeen);
    }

    public Optional<Subscription> subscription(String image) {
        return subscriptions.stream().filter(s -> s.image().equals(image)).findFirst();
    }

    /** The same registration, seen again at {@code at}. */
    public ReplicaRegistered heartbeat(Instant at) {
        return new ReplicaRegistered(schemaVersion, replicaId, site, subscriptions, sshUser, publicKeyFingerprint,
                software, compression, at, serves);
    }

    /** The same registration, announcing that the replica serves its site at {@code service}. */
    public ReplicaRegistered serving(PeerService service) {
        return new ReplicaRegistered(schemaVersion, replicaId, site, subscriptions, sshUser, publicKeyFingerprint,
                software, compression, lastSeen, Optional.of(Objects.requireNonNull(service, "serves")));
    }
}
