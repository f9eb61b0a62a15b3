package org.icbd.rcs.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The btrbk configuration the bench's peer case writes, and the private sshd's. */
class BtrbkConfigTest {

    private static BtrbkConfig config(boolean lz4) {
        return new BtrbkConfig(Path.of("/w/run-1/master"), Path.of("images/bench/work"), Path.of("btrbk"), "bench",
                40022, Path.of("/w/run-1/replica/btrbk"), Path.of("/w/run-1/peer/sshd/client"), lz4,
                Path.of("/w/run-1/peer/btrbk.lock"));
    }

    @Test
    void plainConfigSendsTheBenchSnapshotsThroughThePrivateSshd() {
        List<String> lines = config(false).render().lines().map(String::strip).toList();
        for (String expected : List.of("timestamp_format long", "snapshot_create no", "snapshot_preserve_min all",
                "target_preserve_min all", "lockfile /w/run-1/peer/btrbk.lock",
                "ssh_identity /w/run-1/peer/sshd/client", "ssh_user root",
                "ssh_cipher_spec aes128-gcm@openssh.com", "volume /w/run-1/master", "snapshot_dir btrbk",
                "subvolume images/bench/work", "snapshot_name bench",
                "target send-receive ssh://127.0.0.1:40022/w/run-1/replica/btrbk")) {
            assertTrue(lines.contains(expected), expected + " missing from\n" + String.join("\n", lines));
        }
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("stream_compress")));
        // btrbk reads sections by indentation order: the volume before its subvolume before its target.
        assertTrue(lines.indexOf("volume /w/run-1/master") < lines.indexOf("subvolume images/bench/work"));
        assertTrue(lines.indexOf("subvolume images/bench/work")
                < lines.indexOf("target send-receive ssh://127.0.0.1:40022/w/run-1/replica/btrbk"));
    }

    @Test
    void lz4ConfigCompressesTheStream() {
        assertTrue(config(true).render().lines().anyMatch(l -> l.strip().equals("stream_compress lz4")));
    }

    @Test
    void snapshotsAreNamedAsBtrbkParsesThem() {
        assertEquals("bench.20260101T0001", config(false).snapshot(1));
        assertEquals("bench.20260101T0002", config(false).snapshot(2));
        assertThrows(IllegalArgumentException.class, () -> config(false).snapshot(0));
    }

    @Test
    void badPathsAreRefusedNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BtrbkConfig(Path.of("master"),
                Path.of("images/bench/work"), Path.of("btrbk"), "bench", 22, Path.of("/r"), Path.of("/k"), false,
                Path.of("/l"))).getMessage().contains("master"));
        assertThrows(IllegalArgumentException.class, () -> new BtrbkConfig(Path.of("/m"), Path.of("/images/work"),
                Path.of("btrbk"), "bench", 22, Path.of("/r"), Path.of("/k"), false, Path.of("/l")));
        assertThrows(IllegalArgumentException.class, () -> new BtrbkConfig(Path.of("/m"), Path.of("images/work"),
                Path.of("btrbk"), "bench", 22, Path.of("/r r"), Path.of("/k"), false, Path.of("/l")));
        assertThrows(IllegalArgumentException.class, () -> new BtrbkConfig(Path.of("/m"), Path.of("images/work"),
                Path.of("btrbk"), "bench", 0, Path.of("/r"), Path.of("/k"), false, Path.of("/l")));
    }

    @Test
    void privateSshdListensOnLoopbackWithItsOwnKeysOnly() {
        List<String> lines = PrivateSshd.config(Path.of("/w/peer"), 40022).lines().toList();
        for (String expected : List.of("Port 40022", "ListenAddress 127.0.0.1", "HostKey /w/peer/host_key",
                "AuthorizedKeysFile /w/peer/authorized_keys", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password",
                "Ciphers aes128-gcm@openssh.com")) {
            assertTrue(lines.contains(expected), expected + " missing from\n" + String.join("\n", lines));
        }
    }
}
