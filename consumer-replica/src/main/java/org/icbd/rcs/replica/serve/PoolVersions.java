package org.icbd.rcs.replica.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.stream.Stream;
import org.icbd.rcs.btrfs.BtrfsException;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.repo.RepositoryException.Reason;
import org.icbd.rcs.master.repo.SendableVersion;
import org.icbd.rcs.master.repo.SendableVersions;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's held versions as its send service serves them: {@code images/<image>/versions/<n>}
 * of its pool, each a read-only received snapshot. The uuid of a version is its copy's received
 * uuid, the master's uuid of that version: the fleet names versions by the master's uuids, and
 * {@code btrfs send} of a received snapshot carries that uuid on, so a third pool receives it with
 * the same received uuid and finds the parent of a later delta by it.
 *
 * <p>Only what {@link ReplicaPool#held} reports is served: a version directory that is not a
 * read-only subvolume with a received uuid (staging is never under {@code versions/}), or that is
 * reached through a symbolic link, is refused as absent.
 */
public final class PoolVersions implements SendableVersions {

    private static final Logger log = LoggerFactory.getLogger(PoolVersions.class);

    private final String replicaId;
    private final ReplicaPool pool;
    private final BtrfsTool btrfs;
    private final BtrfsFsCheck check;

    public PoolVersions(String replicaId, ReplicaPool pool, BtrfsTool btrfs, BtrfsFsCheck check) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.btrfs = Objects.requireNonNull(btrfs, "btrfs");
        this.check = Objects.requireNonNull(check, "check");
    }

    @Override
    public Path pool() {
        return pool.root();
    }

    @Override
    public BtrfsTool btrfs() {
        return btrfs;
    }

    @Override
    public SendableVersion find(String image, int version) {
        try {
            Fields.name(image, "image");
            Fields.version(version, "version");
        } catch (IllegalArgumentException e) {
            throw new RepositoryException(Reason.INVALID_NAME, e.getMessage(), e);
        }
        Path expected = pool.versionDir(image, version);
        Path real;
        Path realExpected;
        try {
            real = expected.toRealPath();
        } catch (NoSuchFileException e) {
            throw absent(image, version);
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot resolve " + expected + ": " + e, e);
        }
        try {
            realExpected = pool.root().toRealPath().resolve(ReplicaPool.IMAGES).resolve(image)
                    .resolve(ReplicaPool.VERSIONS).resolve(Integer.toString(version));
        } catch (IOException e) {
            throw new RepositoryException(Reason.NOT_BTRFS, "cannot resolve pool " + pool.root() + ": " + e, e);
        }
        if (!real.equals(realExpected)) {
            log.warn("replica {}: refusing to serve image {} version {}: {} leads to {} through a symbolic link",
                    replicaId, image, version, expected, real);
            throw absent(image, version);
        }
        if (!check.isSubvolume(real)) {
            throw absent(image, version);
        }
        SubvolumeInfo info;
        try {
            info = btrfs.show(real);
        } catch (BtrfsException | CommandException e) {
            throw new RepositoryException(Reason.DISK, "cannot describe " + real + ": " + e.getMessage(), e);
        }
        if (!info.readOnly() || info.receivedUuid().isEmpty()) {
            log.warn("replica {}: refusing to serve image {} version {}: {} is not a received read-only snapshot"
                    + " (readOnly={}, receivedUuid={})", replicaId, image, version, real, info.readOnly(),
                    info.receivedUuid().map(UUID::toString).orElse("-"));
            throw absent(image, version);
        }
        OptionalInt before = versionBelow(real.getParent(), version);
        return new SendableVersion(image, version, real, info.receivedUuid().get().toString(),
                before.isPresent() ? Optional.of(before.getAsInt()) : Optional.empty());
    }

    private OptionalInt versionBelow(Path versionsDir, int version) {
        try (Stream<Path> entries = Files.list(versionsDir)) {
            return entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("[1-9][0-9]{0,9}") && Long.parseLong(n) < version)
                    .mapToInt(Integer::parseInt)
                    .max();
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot list " + versionsDir + ": " + e, e);
        }
    }

    private RepositoryException absent(String image, int version) {
        return new RepositoryException(Reason.NO_SUCH_VERSION, "image " + image + " has no version " + version
                + " on replica " + replicaId);
    }
}
