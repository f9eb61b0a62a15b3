package org.icbd.rcs.replica.serve;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.replica.disk.VersionStore;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.icbd.rcs.events.PeerService;
import org.icbd.rcs.master.ssh.SendObserver;
import org.icbd.rcs.master.ssh.SendServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's send service: the master's {@link SendServer} (same grammar, refusals, exit statuses,
 * public keys only, one user) over the versions this replica holds ({@link PoolVersions}), with its
 * own persistent host key and its own authorized keys (its site's replicas). Stored streams are kept
 * in the replica pool's {@code .streams/}, as the master keeps them in its own, with the same budget
 * and eviction, so offsets and {@code icbd-stat/1} work for a peer as for the master.
 */
public final class PeerServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerServer.class);

    private final String replicaId;
    private final ServeConfig config;
    private final SendServer server;

    private PeerServer(String replicaId, ServeConfig config, SendServer server) {
        this.replicaId = replicaId;
        this.config = config;
        this.server = server;
    }

    /**
     * Loads (or generates) the host key and starts listening.
     *
     * @throws IllegalArgumentException naming the {@code icbd.replica.serve.*} setting that is wrong
     * @throws java.io.UncheckedIOException if the port cannot be bound
     */
    public static PeerServer start(String replicaId, ServeConfig config, PoolVersions versions,
                                   SendObserver observer) {
        Objects.requireNonNull(replicaId, "replicaId");
        SendServer server = SendServer.builder(config.sendServerSettings(), versions)
                .settingNames(ServeConfig.NAMES)
                .hostKeyComment("icbd-replica-" + replicaId)
                .observer(observer)
                .start();
        log.info("replica {}: serving its versions to its site on {}:{} (advertised as {}:{}, host key {}, at most"
                + " {} downstreams)", replicaId, config.host(), server.port(), config.advertisedHost(), server.port(),
                KeyUtils.getFingerPrint(server.hostKey()), config.maxDownstreams());
        return new PeerServer(replicaId, config, server);
    }

    /** What the registration announces: the advertised host, the bound port, the host key's fingerprint. */
    public PeerService announcement() {
        return new PeerService(config.advertisedHost(), server.port(), KeyUtils.getFingerPrint(server.hostKey()),
                config.maxDownstreams());
    }

    /**
     * {@code store}, whose deletions (retention) also drop the stored streams of the deleted version:
     * once a version is gone here it is never served again, so its streams only take budget.
     */
    public VersionStore droppingStreamsOf(VersionStore store) {
        Objects.requireNonNull(store, "store");
        return new VersionStore() {
            @Override
            public List<HeldVersion> held(String image) {
                return store.held(image);
            }

            @Override
            public void deleteVersion(String image, int version) {
                store.deleteVersion(image, version);
                int dropped = server.streams().removeVersion(image, version);
                if (dropped > 0) {
                    log.info("replica {} image {} version {}: deleted, and {} stored streams of it dropped", replicaId,
                            image, version, dropped);
                }
            }

            @Override
            public Path versionDir(String image, int version) {
                return store.versionDir(image, version);
            }
        };
    }

    /** The underlying send service (its port, host key, stored streams, slots). */
    public SendServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        log.info("replica {}: no longer serving", replicaId);
    }
}
