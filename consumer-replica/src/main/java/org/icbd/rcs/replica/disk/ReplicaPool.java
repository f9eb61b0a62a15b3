package org.icbd.rcs.replica.disk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.HeldVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's pool on disk, the truth of what the replica holds:
 *
 * <pre>
 * &lt;pool&gt;/images/&lt;image&gt;/versions/&lt;n&gt;   received, verified, read-only: served to clients
 * &lt;pool&gt;/images/&lt;image&gt;/current         symlink to versions/&lt;newest held&gt;; absent when none is held
 * &lt;pool&gt;/.incoming/&lt;image&gt;/&lt;n&gt;         staging; never promoted after a crash, deleted on start
 * &lt;pool&gt;/.incoming/&lt;image&gt;/&lt;n&gt;[-from-&lt;p&gt;].&lt;codec&gt;.stream   the step's stream as it arrives;
 *                                       kept across a cut and, while young, across a restart
 * &lt;pool&gt;/.icbd-replica.lock                 held while a replica service uses the pool
 * </pre>
 *
 * <p>Invariant: a directory {@code versions/<n>} appears only complete. Promotion is a read-only
 * snapshot of the verified staging subvolume (it keeps the received uuid, which is what the next
 * delta's parent is found by), created atomically under its final name; the staging subvolume is
 * deleted afterwards. A read-only subvolume cannot be renamed into another directory (EROFS), which
 * is why promotion is a snapshot and not a move.
 *
 * <p>Invariant: {@code current} is a relative symlink {@code versions/<n>} to the newest held version,
 * so that the services exporting images to workstations (NFS, iSCSI, HTTP) follow one stable path. It
 * is switched atomically, a new link renamed over the old one, so a reader resolving it lands on the
 * old version or the new one, each complete, never on staging and never on nothing. It is brought up
 * to date after every promotion and deletion and at start ({@link #updateCurrentLinks}), which also
 * repairs a link a crash or a deletion behind the service's back left dangling.
 *
 * <p>Only one replica service may use a pool: {@link #open} takes an exclusive lock, so promotions
 * (check that the target is absent, then snapshot) never race another writer.
 */
public final class ReplicaPool implements VersionStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaPool.class);

    /** The lock file directly under the pool. */
    public static final String LOCK_FILE = ".icbd-replica.lock";
    public static final String IMAGES = "images";
    public static final String VERSIONS = "versions";
    public static final String INCOMING = ".incoming";
    /** The symlink to the newest held version, in {@code images/<image>/} beside {@code versions/}. */
    public static final String CURRENT = "current";
    /** A new {@code current} is made under this prefix, then renamed over the old one. */
    private static final String CURRENT_TEMP_PREFIX = CURRENT + ".tmp-";

    private static final Pattern VERSION_NAME = Pattern.compile("[1-9][0-9]{0,9}");
    /** A step's stream file in staging, as {@link #streamFile} names it. */
    private static final String STREAM_SUFFIX = ".stream";
    private static final Pattern STREAM_FILE = Pattern.compile("[1-9][0-9]{0,9}(-from-[1-9][0-9]{0,9})?\\.[a-z0-9]+\\.stream");

    private final String replicaId;
    private final Path root;
    private final BtrfsTool btrfs;
    private final BtrfsFsCheck check;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private ReplicaPool(String replicaId, Path root, BtrfsTool btrfs, BtrfsFsCheck check, FileChannel lockChannel,
                        FileLock lock) {
        this.replicaId = replicaId;
        this.root = root;
        this.btrfs = btrfs;
        this.check = check;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens the pool at {@code root}: it must be a directory on btrfs and not in use by another replica
     * service (in this JVM or another).
     *
     * @throws PoolException naming the path and the problem
     */
    public static ReplicaPool open(String replicaId, Path root, BtrfsTool btrfs, BtrfsFsCheck check) {
        Path dir = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new PoolException(dir + " is not a directory");
        }
        if (!check.isBtrfs(dir)) {
            throw new PoolException(dir + " is not on a btrfs filesystem");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new PoolException(dir + " is in use by another replica service (" + LOCK_FILE + " is locked)");
            }
            return new ReplicaPool(replicaId, dir, btrfs, check, channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new PoolException(dir + " is in use by another replica service in this JVM", e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new PoolException("cannot lock " + dir.resolve(LOCK_FILE) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    public Path root() {
        return root;
    }

    public Path versionsDir(String image) {
        return root.resolve(IMAGES).resolve(image).resolve(VERSIONS);
    }

    public Path versionDir(String image, int version) {
        return versionsDir(image).resolve(Integer.toString(version));
    }

    /** {@code images/<image>/current}: the symlink to the newest held version. */
    public Path currentLink(String image) {
        return root.resolve(IMAGES).resolve(image).resolve(CURRENT);
    }

    public Path stagingDir(String image) {
        return root.resolve(INCOMING).resolve(image);
    }

    /**
     * The versions held of {@code image}, ascending: every {@code versions/<n>} that is a read-only
     * subvolume with a received uuid. Anything else there is logged and ignored, never reported.
     */
    @Override
    public List<HeldVersion> held(String image) {
        Path dir = versionsDir(image);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<HeldVersion> held = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                heldVersion(image, entry).ifPresent(held::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        held.sort(Comparator.comparingInt(HeldVersion::version));
        return List.copyOf(held);
    }

    private Optional<HeldVersion> heldVersion(String image, Path entry) {
        String name = entry.getFileName().toString();
        if (!VERSION_NAME.matcher(name).matches() || Long.parseLong(name) > Integer.MAX_VALUE) {
            log.warn("replica {} image {}: ignoring {}: not a version number", replicaId, image, entry);
            return Optional.empty();
        }
        if (!check.isSubvolume(entry)) {
            log.warn("replica {} image {}: ignoring {}: not a btrfs subvolume", replicaId, image, entry);
            return Optional.empty();
        }
        SubvolumeInfo info = btrfs.show(entry);
        if (!info.readOnly() || info.receivedUuid().isEmpty()) {
            log.warn("replica {} image {}: ignoring {}: not a received read-only snapshot (readOnly={}, receivedUuid={})",
                    replicaId, image, entry, info.readOnly(), info.receivedUuid().map(UUID::toString).orElse("-"));
            return Optional.empty();
        }
        return Optional.of(new HeldVersion(Integer.parseInt(name), info.receivedUuid().get().toString()));
    }

    /**
     * Deletes everything under {@code .incoming/}: what a crash or a failed step left there is never
     * promoted. Subvolumes (read-only or not) are deleted with btrfs, the rest as files.
     */
    public void cleanStaging() {
        Path incoming = root.resolve(INCOMING);
        if (Files.exists(incoming, LinkOption.NOFOLLOW_LINKS)) {
            removeContents(incoming);
        }
    }

    /**
     * At start: deletes everything under {@code .incoming/} except the stream files ({@link
     * #streamFile}) of unfinished steps modified less than {@code maxAge} before {@code now}, which the
     * next run of their step resumes. Partial subvolumes are always deleted: they are never promoted.
     *
     * @return the stream files kept
     */
    public List<Path> cleanStaging(Duration maxAge, Instant now) {
        Path incoming = root.resolve(INCOMING);
        if (!Files.exists(incoming, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<Path> kept = new ArrayList<>();
        List<Path> images = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(incoming)) {
            stream.forEach(images::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + incoming, e);
        }
        for (Path imageDir : images) {
            if (!Files.isDirectory(imageDir, LinkOption.NOFOLLOW_LINKS) || check.isSubvolume(imageDir)) {
                remove(imageDir);
                continue;
            }
            List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(imageDir)) {
                stream.forEach(entries::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + imageDir, e);
            }
            for (Path entry : entries) {
                if (isYoungStreamFile(entry, maxAge, now)) {
                    kept.add(entry);
                    log.info("replica {}: kept the stream file {} of an unfinished step ({} bytes) to resume it",
                            replicaId, entry, sizeQuietly(entry));
                } else {
                    remove(entry);
                }
            }
        }
        return List.copyOf(kept);
    }

    private static boolean isYoungStreamFile(Path entry, Duration maxAge, Instant now) {
        if (!STREAM_FILE.matcher(entry.getFileName().toString()).matches()
                || !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            Instant modified = Files.getLastModifiedTime(entry, LinkOption.NOFOLLOW_LINKS).toInstant();
            return !maxAge.isZero() && modified.isAfter(now.minus(maxAge));
        } catch (IOException e) {
            return false;
        }
    }

    private static long sizeQuietly(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The file in staging that holds the stream of one step as it arrives, encoded as on the wire:
     * {@code .incoming/<image>/<version>[-from-<parent>].<codec>.stream}. btrfs receive names its
     * subvolume after the version alone, so the two never collide.
     */
    public Path streamFile(String image, int version, Optional<Integer> parent, Compression compression) {
        return stagingDir(image).resolve(version + parent.map(p -> "-from-" + p).orElse("") + "."
                + compression.code() + STREAM_SUFFIX);
    }

    /** Makes {@code .incoming/<image>/} exist and be empty, ready for one receive. */
    public Path prepareStaging(String image) {
        return prepareStaging(image, Optional.empty());
    }

    /**
     * Makes {@code .incoming/<image>/} exist and hold nothing but {@code keep} (the stream file of the
     * step about to be received), ready for one receive.
     */
    public Path prepareStaging(String image, Optional<Path> keep) {
        Path dir = stagingDir(image);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        removeContents(dir, keep);
        return dir;
    }

    /** Empties {@code .incoming/<image>/} (after a failed or abandoned step). */
    public void cleanStaging(String image) {
        cleanStaging(image, Optional.empty());
    }

    /**
     * Empties {@code .incoming/<image>/} but for {@code keep}: after a cut, the partial subvolume goes
     * and the stream file stays, to be resumed.
     */
    public void cleanStaging(String image, Optional<Path> keep) {
        Path dir = stagingDir(image);
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            removeContents(dir, keep);
        }
    }

    /**
     * Receives one stream into {@code .incoming/<image>/}; see {@link BtrfsTool#receive}. On failure
     * btrfs's partial subvolume is already gone; {@link #cleanStaging(String)} removes anything else.
     */
    public ReceivedSubvolume receive(String image, InputStream stream) throws IOException {
        return btrfs.receive(prepareStaging(image), stream);
    }

    /**
     * Receives one stream into {@code .incoming/<image>/}, which {@link #prepareStaging(String,
     * Optional)} made ready, leaving the step's stream file there alone.
     */
    public ReceivedSubvolume receiveStaged(String image, InputStream stream) throws IOException {
        return btrfs.receive(stagingDir(image), stream);
    }

    /**
     * Makes a verified staging subvolume visible as {@code versions/<version>}, deletes the staging
     * subvolume, and points {@code current} at the newest held version (which is not this one when an
     * older version is promoted after a newer). The caller has verified it; this checks only where it goes.
     *
     * @throws PoolException if {@code versions/<version>} already exists: it is never overwritten
     */
    public HeldVersion promote(String image, int version, ReceivedSubvolume staged) {
        Path target = versionDir(image, version);
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target.getParent(), e);
        }
        // Checked under the pool lock by the only writer; btrfs would otherwise create the snapshot
        // inside an existing directory of that name.
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new PoolException(target + " already exists; a version directory is never overwritten");
        }
        SubvolumeInfo promoted = btrfs.snapshotReadOnly(staged.path(), target);
        if (!promoted.readOnly() || !promoted.receivedUuid().equals(staged.info().receivedUuid())) {
            // Not expected from btrfs; the half-right snapshot must not stay visible.
            btrfs.deleteSubvolume(target);
            throw new PoolException("the snapshot " + target + " of " + staged.path()
                    + " did not keep the received uuid; it was deleted");
        }
        try {
            btrfs.deleteSubvolume(staged.path());
        } catch (RuntimeException e) {
            // The version is promoted and whole; a staging leftover is deleted before the next receive
            // and at every start.
            log.warn("replica {} image {} version {}: promoted, but deleting {} failed: {}", replicaId, image,
                    version, staged.path(), e.getMessage());
        }
        updateCurrentQuietly(image);
        return new HeldVersion(version, promoted.receivedUuid().get().toString());
    }

    /**
     * Deletes {@code versions/<version>} of {@code image}; {@code current} then points at the newest
     * version left (retention never deletes the newest, so normally it does not move).
     */
    @Override
    public void deleteVersion(String image, int version) {
        btrfs.deleteSubvolume(versionDir(image, version));
        updateCurrentQuietly(image);
    }

    /**
     * Points {@code images/<image>/current} at the newest version held now, or removes it when none is
     * held. A link already right is left alone; otherwise a new link {@code current.tmp-<random>} is
     * renamed over the old one, which replaces it atomically.
     *
     * @return the version {@code current} points at; empty when none is held
     * @throws PoolException if {@code current} is something other than a symlink, or cannot be replaced
     */
    public Optional<Integer> updateCurrent(String image) {
        List<HeldVersion> held = held(image);
        Path link = currentLink(image);
        Path imageDir = link.getParent();
        if (held.isEmpty()) {
            if (Files.isSymbolicLink(link)) {
                delete(link);
                log.info("replica {} image {}: no version held; removed {}", replicaId, image, link);
            } else if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                throw new PoolException(link + " is not a symlink; remove it so that it can point at the newest version");
            }
            return Optional.empty();
        }
        int newest = held.get(held.size() - 1).version();
        Path target = Path.of(VERSIONS, Integer.toString(newest));
        Optional<Path> before = linkTarget(link);
        if (before.equals(Optional.of(target))) {
            return Optional.of(newest);
        }
        if (before.isEmpty() && Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            throw new PoolException(link + " is not a symlink; remove it so that it can point at the newest version");
        }
        Path temp = imageDir.resolve(CURRENT_TEMP_PREFIX + UUID.randomUUID());
        try {
            Files.createSymbolicLink(temp, target);
            // rename(2): a reader sees the old link or the new one, never neither.
            Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new PoolException("cannot point " + link + " at " + target + ": " + e, e);
        }
        syncDirectory(imageDir);
        log.info("replica {} image {}: {} -> {} (was {})", replicaId, image, link, target,
                before.map(Path::toString).orElse("absent"));
        return Optional.of(newest);
    }

    /**
     * At start: brings {@code current} of every image in the pool up to date (repairing one left
     * dangling or stale) and deletes {@code current.tmp-*} links a crash left between creating and
     * renaming one. A problem with one image is logged and does not stop the others.
     */
    public void updateCurrentLinks() {
        Path images = root.resolve(IMAGES);
        if (!Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> imageDirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(images)) {
            entries.forEach(imageDirs::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + images, e);
        }
        for (Path imageDir : imageDirs) {
            if (!Files.isDirectory(imageDir, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            String image = imageDir.getFileName().toString();
            try (DirectoryStream<Path> temps = Files.newDirectoryStream(imageDir, CURRENT_TEMP_PREFIX + "*")) {
                for (Path temp : temps) {
                    delete(temp);
                    log.info("replica {} image {}: deleted leftover link {}", replicaId, image, temp);
                }
                updateCurrent(image);
            } catch (IOException | RuntimeException e) {
                log.warn("replica {} image {}: cannot bring {} up to date: {}", replicaId, image,
                        imageDir.resolve(CURRENT), e.getMessage());
            }
        }
    }

    /** After a promotion or deletion, which has happened whatever becomes of the link. */
    private void updateCurrentQuietly(String image) {
        try {
            updateCurrent(image);
        } catch (RuntimeException e) {
            log.warn("replica {} image {}: {} was not brought up to date: {}; it is retried after the next"
                    + " promotion and at start", replicaId, image, currentLink(image), e.getMessage());
        }
    }

    /** The symlink's target as written; empty when {@code link} is absent or not a symlink. */
    private static Optional<Path> linkTarget(Path link) {
        try {
            return Optional.of(Files.readSymbolicLink(link));
        } catch (NoSuchFileException | NotLinkException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the link " + link, e);
        }
    }

    /** Makes a rename in {@code dir} durable, so that a power cut does not bring back the old link. */
    private void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            log.warn("replica {}: syncing {} failed: {}", replicaId, dir, e.toString());
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // A leftover temporary link is deleted at the next start.
        }
    }

    private void removeContents(Path dir) {
        removeContents(dir, Optional.empty());
    }

    private void removeContents(Path dir, Optional<Path> keep) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        for (Path entry : entries) {
            if (keep.isEmpty() || !entry.equals(keep.get())) {
                remove(entry);
            }
        }
    }

    private void remove(Path entry) {
        try {
            if (check.isSubvolume(entry)) {
                // A received subvolume holds no nested one; its files may be read-only, so never walk it.
                btrfs.deleteSubvolume(entry);
                log.info("replica {}: deleted staging leftover subvolume {}", replicaId, entry);
            } else if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                removeContents(entry);
                Files.delete(entry);
            } else {
                Files.delete(entry);
                log.info("replica {}: deleted staging leftover file {}", replicaId, entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete staging leftover " + entry, e);
        }
    }

    /** Releases the pool lock. */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            log.warn("replica {}: releasing the lock on {} failed: {}", replicaId, root, e.toString());
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // The lock goes with the channel either way.
            }
        }
    }

    @Override
    public String toString() {
        return "ReplicaPool[" + root + "]";
    }
}
