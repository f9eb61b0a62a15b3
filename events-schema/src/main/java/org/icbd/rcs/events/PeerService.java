package org.icbd.rcs.events;

/**
 * Where a replica serves the versions it holds to the other replicas of its site (DESIGN.md, site
 * peers): the same SSH send service and grammar as the master's, with the replica's own host key.
 * Announced in the replica's {@link ReplicaRegistered}; the planner routes steps to it, and the
 * downstream replicas connect to it only if it is in their own list of trusted sources, with the
 * host key pinned there (the fingerprint here is for operators and for checking that list, never
 * a reason to trust).
 *
 * @param host               the address the site's replicas reach it at
 * @param port               its SSH port
 * @param hostKeyFingerprint its host key's SHA-256 fingerprint, as {@code ssh-keygen -l} prints it
 * @param maxDownstreams     how many downstream replicas it feeds at once; the planner routes no more
 */
public record PeerService(String host, int port, String hostKeyFingerprint, int maxDownstreams) {

    public PeerService {
        Fields.nonBlank(host, "serves.host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("serves.port must be 1-65535, got " + port);
        }
        Fields.nonBlank(hostKeyFingerprint, "serves.hostKeyFingerprint");
        if (maxDownstreams < 1) {
            throw new IllegalArgumentException("serves.maxDownstreams must be at least 1, got " + maxDownstreams);
        }
    }

    /** {@code host:port}, for messages. */
    public String address() {
        return host + ":" + port;
    }
}
