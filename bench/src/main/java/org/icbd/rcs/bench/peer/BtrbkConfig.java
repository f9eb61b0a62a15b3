package org.icbd.rcs.bench.peer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@code btrbk.conf} for one peer case: the snapshots the bench puts in {@code snapshotDir}
 * ({@code snapshot_create no}: btrbk sends the image's versions, as the system does, instead of
 * snapshots of its own), sent with {@code send-receive} to {@code ssh://127.0.0.1:<port>/<target>}
 * through the bench's private {@code sshd}, as root with its key and cipher; nothing is ever
 * deleted by btrbk ({@code *_preserve_min all}), the bench removes what was received.
 *
 * @param volume       the master pool's mount point (btrbk's {@code volume})
 * @param subvolume    the source subvolume, relative to the volume (the image's {@code work}); every
 *                     version is a snapshot of it, which is how btrbk relates the snapshots
 * @param snapshotDir  relative to the volume, where the snapshots named {@code <snapshotName>.<timestamp>} are
 * @param snapshotName the snapshots' base name
 * @param port         the private sshd's port
 * @param target       the directory on the replica pool the snapshots are received into
 * @param identity     the client key the private sshd authorizes
 * @param lz4          {@code stream_compress lz4}
 * @param lockfile     btrbk's lock file
 */
public record BtrbkConfig(Path volume, Path subvolume, Path snapshotDir, String snapshotName, int port, Path target,
                          Path identity, boolean lz4, Path lockfile) {

    public BtrbkConfig {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(subvolume, "subvolume");
        Objects.requireNonNull(snapshotDir, "snapshotDir");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(lockfile, "lockfile");
        for (Path p : List.of(volume, target, identity, lockfile)) {
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("btrbk.conf needs absolute paths, got " + p);
            }
        }
        for (Path p : List.of(subvolume, snapshotDir)) {
            if (p.isAbsolute()) {
                throw new IllegalArgumentException("btrbk.conf: " + p + " must be relative to the volume " + volume);
            }
        }
        if (!snapshotName.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("btrbk.conf: snapshot name '" + snapshotName
                    + "' must be letters, digits, _ or -");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("btrbk.conf: port " + port + " is out of range");
        }
        for (Path p : List.of(volume, subvolume, snapshotDir, target, identity, lockfile)) {
            if (p.toString().matches(".*[\\s#].*")) {
                throw new IllegalArgumentException("btrbk.conf cannot hold a path with blanks or '#': " + p);
            }
        }
    }

    /** The snapshot name btrbk parses ({@code timestamp_format long}) for the {@code n}th version. */
    public String snapshot(int n) {
        if (n < 1 || n > 59) {
            throw new IllegalArgumentException("version " + n + " is out of the bench's range 1-59");
        }
        return String.format("%s.20260101T00%02d", snapshotName, n);
    }

    /** The configuration file's text. */
    public String render() {
        List<String> lines = new ArrayList<>(List.of(
                "# written by icbd bench for one peer case; removed with its run directory",
                "timestamp_format long",
                "snapshot_create no",
                "snapshot_preserve_min all",
                "target_preserve_min all",
                "lockfile " + lockfile,
                "ssh_identity " + identity,
                "ssh_user root",
                "ssh_cipher_spec " + PrivateSshd.CIPHER));
        if (lz4) {
            lines.add("stream_compress lz4");
        }
        lines.addAll(List.of(
                "volume " + volume,
                "  snapshot_dir " + snapshotDir,
                "  subvolume " + subvolume,
                "    snapshot_name " + snapshotName,
                "    target send-receive ssh://127.0.0.1:" + port + target,
                ""));
        return String.join("\n", lines);
    }
}
