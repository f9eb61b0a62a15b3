package org.icbd.rcs.replica.pull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.TransferStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sources this replica pulls from, by id: the master and the peers of its configuration, each
 * with its own client and pinned host key. A step names its source by id only; an id that is not in
 * this list (a peer since removed, a forged or mistaken task) is pulled from the master, with a
 * warning naming it: no address ever comes from a task, so a task cannot make the replica connect
 * anywhere it was not configured to.
 */
public final class TrustedSources implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrustedSources.class);

    /** The client a step is pulled with, and the id it is reported under. */
    public record Source(String id, MasterClient client) {

        public Source {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(client, "client");
        }

        public boolean isMaster() {
            return id.equals(Sources.MASTER);
        }
    }

    private final String replicaId;
    private final Source master;
    private final Map<String, Source> peers;

    /** @param peers by id; none may be {@link Sources#MASTER} */
    public TrustedSources(String replicaId, MasterClient master, Map<String, MasterClient> peers) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.master = new Source(Sources.MASTER, Objects.requireNonNull(master, "master"));
        Map<String, Source> byId = new LinkedHashMap<>();
        peers.forEach((id, client) -> {
            if (id.equals(Sources.MASTER)) {
                throw new IllegalArgumentException("a peer cannot be named " + Sources.MASTER);
            }
            byId.put(id, new Source(id, client));
        });
        this.peers = Map.copyOf(byId);
    }

    /** The master alone: every step is pulled from it, whatever it names. */
    public static TrustedSources masterOnly(String replicaId, MasterClient master) {
        return new TrustedSources(replicaId, master, Map.of());
    }

    /** Clients for the master and each configured peer (none connects before a step needs it). */
    public static TrustedSources open(String replicaId, MasterEndpoint master, List<TrustedSource> peers) {
        MasterClient masterClient = new MasterClient(replicaId, master);
        Map<String, MasterClient> clients = new LinkedHashMap<>();
        try {
            for (TrustedSource peer : peers) {
                clients.put(peer.id(), new MasterClient(replicaId, peer.endpoint()));
            }
        } catch (RuntimeException e) {
            clients.values().forEach(MasterClient::close);
            masterClient.close();
            throw e;
        }
        return new TrustedSources(replicaId, masterClient, clients);
    }

    public Source master() {
        return master;
    }

    /** The ids of the trusted peers (the master's is not among them). */
    public Set<String> peerIds() {
        return peers.keySet();
    }

    /** The source {@code step} is pulled from: the one it names if trusted, else the master. */
    public Source forStep(TransferStep step) {
        return byId(step.sourceId());
    }

    /** The source named {@code id} if trusted, else the master (with a warning when {@code id} is not the master's). */
    public Source byId(String id) {
        if (id.equals(Sources.MASTER)) {
            return master;
        }
        Source peer = peers.get(id);
        if (peer != null) {
            return peer;
        }
        log.warn("replica {}: a step names source '{}', which is not among this replica's trusted sources {}; it is"
                + " pulled from the master instead", replicaId, id, peers.keySet());
        return master;
    }

    @Override
    public void close() {
        for (Source peer : peers.values()) {
            peer.client().close();
        }
        master.client().close();
    }
}
