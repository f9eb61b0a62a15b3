package org.icbd.rcs.master.ssh;

import java.util.Objects;

/**
 * The names of a send service's settings as its operator writes them, for the messages that reject
 * them: the master's {@code icbd.master.*}, a serving replica's {@code icbd.replica.serve.*}.
 */
public record SettingNames(String host, String port, String hostKeyFile, String authorizedKeysFile, String user) {

    /** The master's settings ({@code MasterSettings}). */
    public static final SettingNames MASTER = new SettingNames("icbd.master.ssh-host", "icbd.master.ssh-port",
            "icbd.master.host-key-file", "icbd.master.authorized-keys-file", "icbd.master.ssh-user");

    public SettingNames {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(hostKeyFile, "hostKeyFile");
        Objects.requireNonNull(authorizedKeysFile, "authorizedKeysFile");
        Objects.requireNonNull(user, "user");
    }

    /** The same names under {@code prefix}: {@code <prefix>host}, {@code <prefix>port}, ... */
    public static SettingNames under(String prefix) {
        return new SettingNames(prefix + "host", prefix + "port", prefix + "host-key-file",
                prefix + "authorized-keys-file", prefix + "user");
    }
}
