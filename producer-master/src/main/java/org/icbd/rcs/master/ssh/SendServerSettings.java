package org.icbd.rcs.master.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of the SSH send service. Every check names the setting it rejects, under its key in the
 * master's configuration ({@code icbd.master.*}).
 *
 * @param host               the address to listen on
 * @param port               the TCP port; 0 picks a free one (tests)
 * @param hostKeyFile        the server's key, generated at first start and reused after, so that
 *                           replicas can pin it
 * @param authorizedKeysFile OpenSSH authorized_keys: the replicas' public keys, re-read when it changes
 * @param maxConcurrentSends how many sends stream at once; more wait for a slot
 * @param sendQueueTimeout   how long a request waits for a slot before it is told the master is busy
 * @param user               the one user name replicas log in as; any other is refused whatever its key
 */
public record SendServerSettings(String host, int port, Path hostKeyFile, Path authorizedKeysFile,
                                 int maxConcurrentSends, Duration sendQueueTimeout, String user) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 2222;
    /** Each send holds a btrfs send process and up to 1 MiB of buffer plus the LZ4 blocks. */
    public static final int DEFAULT_MAX_CONCURRENT_SENDS = 4;
    public static final Duration DEFAULT_SEND_QUEUE_TIMEOUT = Duration.ofMinutes(5);
    /** The user replicas log in as by default ({@code icbd.replica.ssh.user}). */
    public static final String DEFAULT_USER = "icbd";
    /** A POSIX-portable user name, as OpenSSH and the replicas' settings take it. */
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]{0,31}");

    public SendServerSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("icbd.master.ssh-host is missing");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("icbd.master.ssh-port " + port + " is out of range 0-65535");
        }
        Objects.requireNonNull(hostKeyFile, "icbd.master.host-key-file is missing");
        Objects.requireNonNull(authorizedKeysFile, "icbd.master.authorized-keys-file is missing");
        if (maxConcurrentSends < 1) {
            throw new IllegalArgumentException("icbd.master.max-concurrent-sends must be at least 1, got "
                    + maxConcurrentSends);
        }
        Objects.requireNonNull(sendQueueTimeout, "icbd.master.send-queue-timeout is missing");
        if (sendQueueTimeout.isNegative()) {
            throw new IllegalArgumentException("icbd.master.send-queue-timeout must not be negative, got "
                    + sendQueueTimeout);
        }
        if (!isUserName(user)) {
            throw new IllegalArgumentException("icbd.master.ssh-user must be a user name like '" + DEFAULT_USER
                    + "' (letters, digits, '.', '_', '-', at most 32), got '" + user + "'");
        }
    }

    /** True for a user name the service takes: POSIX-portable, as OpenSSH and the replicas' settings take it. */
    public static boolean isUserName(String user) {
        return user != null && USER_NAME.matcher(user).matches();
    }

    /** The settings as before the user was configurable: replicas log in as {@link #DEFAULT_USER}. */
    public SendServerSettings(String host, int port, Path hostKeyFile, Path authorizedKeysFile,
                              int maxConcurrentSends, Duration sendQueueTimeout) {
        this(host, port, hostKeyFile, authorizedKeysFile, maxConcurrentSends, sendQueueTimeout, DEFAULT_USER);
    }

    /** Defaults everywhere but the two files, which have no sensible default. */
    public static SendServerSettings defaults(Path hostKeyFile, Path authorizedKeysFile) {
        return new SendServerSettings(DEFAULT_HOST, DEFAULT_PORT, hostKeyFile, authorizedKeysFile,
                DEFAULT_MAX_CONCURRENT_SENDS, DEFAULT_SEND_QUEUE_TIMEOUT);
    }

    public SendServerSettings withHost(String newHost) {
        return new SendServerSettings(newHost, port, hostKeyFile, authorizedKeysFile, maxConcurrentSends,
                sendQueueTimeout, user);
    }

    public SendServerSettings withPort(int newPort) {
        return new SendServerSettings(host, newPort, hostKeyFile, authorizedKeysFile, maxConcurrentSends,
                sendQueueTimeout, user);
    }

    public SendServerSettings withMaxConcurrentSends(int max) {
        return new SendServerSettings(host, port, hostKeyFile, authorizedKeysFile, max, sendQueueTimeout, user);
    }

    public SendServerSettings withSendQueueTimeout(Duration timeout) {
        return new SendServerSettings(host, port, hostKeyFile, authorizedKeysFile, maxConcurrentSends, timeout, user);
    }

    public SendServerSettings withUser(String newUser) {
        return new SendServerSettings(host, port, hostKeyFile, authorizedKeysFile, maxConcurrentSends,
                sendQueueTimeout, newUser);
    }
}
