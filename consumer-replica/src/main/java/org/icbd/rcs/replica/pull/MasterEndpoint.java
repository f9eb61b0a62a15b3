package org.icbd.rcs.replica.pull;

import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Objects;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.icbd.rcs.transfer.Transport;

/**
 * Where and how a replica pulls: the master's address and pinned host key, the replica's identity,
 * and how long it waits.
 *
 * @param connectTimeout for connecting, authenticating and opening the channel, each, and for the
 *                       master's exit status once its stream ended
 * @param stallTimeout   the longest the stream may deliver nothing before the step is abandoned
 * @param transport      how the stream's bytes travel: on the SSH channel, or over plain TCP after
 *                       the SSH channel authorised the request (trusted networks only)
 */
public record MasterEndpoint(String host, int port, String user, PublicKey hostKey, KeyPair identity,
                             Duration connectTimeout, Duration stallTimeout, Transport transport) {

    /** An endpoint whose streams come on the SSH channel. */
    public MasterEndpoint(String host, int port, String user, PublicKey hostKey, KeyPair identity,
                          Duration connectTimeout, Duration stallTimeout) {
        this(host, port, user, hostKey, identity, connectTimeout, stallTimeout, Transport.SSH);
    }

    public MasterEndpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(hostKey, "hostKey");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        Objects.requireNonNull(transport, "transport");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + port);
        }
    }

    /** The same endpoint with its streams over {@code how}. */
    public MasterEndpoint withTransport(Transport how) {
        return new MasterEndpoint(host, port, user, hostKey, identity, connectTimeout, stallTimeout, how);
    }

    /** {@code host:port}, for messages. */
    public String address() {
        return host + ":" + port;
    }

    /** The SHA-256 fingerprint of the replica's public key, as {@code ssh-keygen -l} prints it. */
    public String identityFingerprint() {
        return KeyUtils.getFingerPrint(identity.getPublic());
    }

    @Override
    public String toString() {
        return "MasterEndpoint[" + user + "@" + address() + ", host key " + KeyUtils.getFingerPrint(hostKey)
                + (transport == Transport.SSH ? "" : ", transport " + transport.code()) + "]";
    }
}
