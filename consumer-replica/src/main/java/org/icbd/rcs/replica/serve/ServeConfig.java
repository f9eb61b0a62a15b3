package org.icbd.rcs.replica.serve;

import java.nio.file.Path;
import java.util.Objects;
import org.icbd.rcs.master.ssh.SendServerSettings;
import org.icbd.rcs.master.ssh.SettingNames;
import org.icbd.rcs.replica.config.ReplicaSettings;

/**
 * A serving replica's send service, checked ({@code icbd.replica.serve.*}).
 *
 * @param host               the address to listen on
 * @param port               the TCP port; 0 picks a free one, announced as bound
 * @param advertisedHost     the address announced in the registration, for the planner and operators
 * @param hostKeyFile        its own host key, generated at the first start and kept, so that its
 *                           downstreams can pin it
 * @param authorizedKeysFile the public keys of the site's replicas it feeds, re-read when it changes
 * @param user               the one user name its downstreams log in as
 * @param maxDownstreams     how many replicas it feeds at once (announced; the planner routes no more)
 */
public record ServeConfig(String host, int port, String advertisedHost, Path hostKeyFile, Path authorizedKeysFile,
                          String user, int maxDownstreams) {

    /** The settings' names, for messages. */
    public static final SettingNames NAMES = SettingNames.under(ReplicaSettings.PREFIX + ".serve.");

    public ServeConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        Objects.requireNonNull(hostKeyFile, "hostKeyFile");
        Objects.requireNonNull(authorizedKeysFile, "authorizedKeysFile");
        Objects.requireNonNull(user, "user");
        if (maxDownstreams < 1) {
            throw new IllegalArgumentException("maxDownstreams must be at least 1, got " + maxDownstreams);
        }
    }

    /**
     * The master's send-service settings for this replica. Each downstream holds two channels at
     * most (its stream, and the stat asked alongside), hence two slots per downstream.
     */
    public SendServerSettings sendServerSettings() {
        return new SendServerSettings(host, port, hostKeyFile, authorizedKeysFile, 2 * maxDownstreams,
                SendServerSettings.DEFAULT_SEND_QUEUE_TIMEOUT, user);
    }
}
