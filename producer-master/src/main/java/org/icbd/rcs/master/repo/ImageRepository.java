package org.icbd.rcs.master.repo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.icbd.rcs.btrfs.BtrfsException;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.master.repo.RepositoryException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's images on disk, in a pool directory on btrfs:
 *
 * <pre>
 * &lt;pool&gt;/images/&lt;image&gt;/work            read-write subvolume, edited by admin tasks
 * &lt;pool&gt;/images/&lt;image&gt;/versions/&lt;n&gt;    read-only snapshots of work, n = 1, 2, 3...
 * &lt;pool&gt;/images/&lt;image&gt;/.publish.lock    serialises snapshotNext of one image
 * </pre>
 *
 * The disk is the truth: every answer is read from it when asked, nothing is remembered except
 * the sizes of read-only snapshots, which never change (keyed by UUID).
 * Thread-safe.
 */
public final class ImageRepository implements SendableVersions {

    private static final Logger log = LoggerFactory.getLogger(ImageRepository.class);

    public static final String IMAGES = "images";
    public static final String WORK = "work";
    public static final String VERSIONS = "versions";
    public static final String PUBLISH_LOCK = ".publish.lock";
    /** Stored send streams, {@code <pool>/.streams/<image>/}; see {@link #deleteStoredStreams}. */
    public static final String STREAMS = ".streams";

    /** A version directory name: a positive decimal without leading zeros, as the grammar writes it. */
    private static final Pattern VERSION_NAME = Pattern.compile("[1-9][0-9]{0,9}");

    /**
     * File locks belong to the whole JVM: a second lock on the same file from this process throws
     * instead of waiting. So publishes within one process queue on this lock first, and the file
     * lock then orders them against other processes (two admin scripts at once).
     */
    private static final Map<Path, ReentrantLock> PUBLISH_LOCKS = new ConcurrentHashMap<>();

    private final Path pool;
    private final BtrfsTool btrfs;
    private final BtrfsFsCheck fsCheck;
    /** Sizes of read-only snapshots by UUID: immutable, so cached for the life of the process. */
    private final Map<String, Long> sizeByUuid = new ConcurrentHashMap<>();

    public ImageRepository(Path pool, CommandRunner runner) {
        this.pool = Objects.requireNonNull(pool, "pool").toAbsolutePath().normalize();
        this.btrfs = new BtrfsTool(Objects.requireNonNull(runner, "runner"));
        this.fsCheck = new BtrfsFsCheck(btrfs);
    }

    @Override
    public Path pool() {
        return pool;
    }

    @Override
    public BtrfsTool btrfs() {
        return btrfs;
    }

    /** Throws {@link Reason#NOT_BTRFS} unless the pool is an existing directory on btrfs. */
    public void checkPool() {
        if (!Files.isDirectory(pool)) {
            throw new RepositoryException(Reason.NOT_BTRFS, "pool " + pool + " does not exist or is not a directory");
        }
        if (!fsCheck.isBtrfs(pool)) {
            throw new RepositoryException(Reason.NOT_BTRFS, "pool " + pool
                    + " is not on a btrfs filesystem: snapshots and send streams need btrfs");
        }
    }

    public Path imageDir(String image) {
        return pool.resolve(IMAGES).resolve(checkName(image));
    }

    public Path workDir(String image) {
        return imageDir(image).resolve(WORK);
    }

    /**
     * Creates the image's {@code work} subvolume (and its directories). An image whose directory
     * exists without {@code work} gets a new, empty one.
     *
     * @return the work subvolume
     */
    public Path init(String image) {
        checkPool();
        Path dir = imageDir(image);
        Path work = dir.resolve(WORK);
        if (Files.exists(work, LinkOption.NOFOLLOW_LINKS)) {
            throw new RepositoryException(Reason.ALREADY_EXISTS, "image " + image + " is already initialised: "
                    + work + " exists");
        }
        try {
            Files.createDirectories(dir.resolve(VERSIONS));
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot create " + dir.resolve(VERSIONS) + ": " + e, e);
        }
        btrfs.createSubvolume(work);
        log.info("initialised image {}: {}", image, work);
        return work;
    }

    /** Whether the pool holds a directory for {@code image}. */
    public boolean exists(String image) {
        return Files.isDirectory(imageDir(image), LinkOption.NOFOLLOW_LINKS);
    }

    /** The images in the pool, sorted by name; directories whose names are not image names are ignored. */
    public List<String> images() {
        checkPool();
        Path images = pool.resolve(IMAGES);
        if (!Files.isDirectory(images)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(images)) {
            return entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(name -> Fields.NAME.matcher(name).matches())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot list " + images + ": " + e, e);
        }
    }

    /**
     * The versions of an image, oldest first: the read-only subvolumes under {@code versions/} whose
     * names are version numbers. Each one's parent is the version before it in this list. Listed with
     * a constant number of btrfs commands, however many versions there are.
     */
    public List<ImageVersion> versions(String image) {
        checkPool();
        requireImage(image);
        Path versionsDir = imageDir(image).resolve(VERSIONS);
        if (!Files.isDirectory(versionsDir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<SubvolumeInfo> snapshots;
        try {
            snapshots = fsCheck.listSnapshots(versionsDir);
        } catch (BtrfsException | CommandException | UncheckedIOException e) {
            throw new RepositoryException(Reason.DISK, "cannot list the versions of image " + image + " in "
                    + versionsDir + ": " + e.getMessage(), e);
        }
        List<SubvolumeInfo> numbered = snapshots.stream()
                .filter(s -> parseVersion(s.path().getFileName().toString()).isPresent())
                .sorted((a, b) -> Integer.compare(versionOf(a.path()), versionOf(b.path())))
                .toList();
        List<ImageVersion> versions = new ArrayList<>(numbered.size());
        ImageVersion previous = null;
        for (SubvolumeInfo snapshot : numbered) {
            ImageVersion v = describe(image, snapshot, previous);
            versions.add(v);
            previous = v;
        }
        return List.copyOf(versions);
    }

    /** The newest version of an image, if it has any. */
    public Optional<ImageVersion> latest(String image) {
        List<ImageVersion> all = versions(image);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** One version of an image; {@link Reason#NO_SUCH_VERSION} if it is not a read-only snapshot there. */
    public ImageVersion version(String image, int version) {
        return versions(image).stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> noSuchVersion(image, version));
    }

    /**
     * Snapshots {@code work} read-only as {@code versions/<n>}, n = the highest number on disk + 1.
     * Publishes of one image are serialised by an exclusive lock on its {@code .publish.lock}, across
     * threads and processes, so two never pick the same number.
     *
     * @return the new version, with its parent (the previous version on disk)
     */
    public ImageVersion snapshotNext(String image) {
        checkPool();
        requireImage(image);
        Path dir = imageDir(image);
        Path work = dir.resolve(WORK);
        if (!fsCheck.isSubvolume(work)) {
            throw new RepositoryException(Reason.WORK_MISSING, "image " + image + " has no work subvolume at " + work
                    + ": run `icbd image init --image " + image + "` or restore it");
        }
        Path versionsDir = dir.resolve(VERSIONS);
        Path lockFile = dir.resolve(PUBLISH_LOCK);
        ReentrantLock processLock = PUBLISH_LOCKS.computeIfAbsent(lockFile, f -> new ReentrantLock(true));
        processLock.lock();
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock fileLock = channel.lock()) {
            Files.createDirectories(versionsDir);
            int next = highestNumber(versionsDir).orElse(0) + 1;
            if (next <= 0) {
                throw new RepositoryException(Reason.DISK, "image " + image + " has no version number left");
            }
            Path target = versionsDir.resolve(Integer.toString(next));
            SubvolumeInfo snapshot = btrfs.snapshotReadOnly(work, target);
            log.info("snapshotted image {} version {} (uuid {})", image, next, snapshot.uuid());
            return version(image, next);
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot lock " + lockFile + " to publish image " + image
                    + ": " + e, e);
        } finally {
            processLock.unlock();
        }
    }

    /**
     * The snapshot to send for {@code image} {@code version}: only a read-only subvolume directly
     * under that image's {@code versions/}, reached without symbolic links. Every condition is
     * checked on disk now; names are validated again even though the grammar did.
     */
    public Path resolveForSend(String image, int version) {
        return find(image, version).path();
    }

    /**
     * {@link #resolveForSend}'s snapshot with its uuid and the version before it on disk: one
     * {@code btrfs subvolume show} says both that it is read-only and what its uuid is.
     */
    @Override
    public SendableVersion find(String image, int version) {
        checkName(image);
        Fields.version(version, "version");
        checkPool();
        requireImage(image);
        Path expected = imageDir(image).resolve(VERSIONS).resolve(Integer.toString(version));
        Path real;
        try {
            real = expected.toRealPath();
        } catch (NoSuchFileException e) {
            throw noSuchVersion(image, version);
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot resolve " + expected + ": " + e, e);
        }
        Path realExpected;
        try {
            realExpected = pool.toRealPath().resolve(IMAGES).resolve(image).resolve(VERSIONS)
                    .resolve(Integer.toString(version));
        } catch (IOException e) {
            throw new RepositoryException(Reason.NOT_BTRFS, "cannot resolve pool " + pool + ": " + e, e);
        }
        if (!real.equals(realExpected)) {
            log.warn("refusing to send image {} version {}: {} leads to {} through a symbolic link", image, version,
                    expected, real);
            throw noSuchVersion(image, version);
        }
        SubvolumeInfo info = null;
        if (fsCheck.isSubvolume(real)) {
            try {
                info = btrfs.show(real);
            } catch (BtrfsException | CommandException e) {
                throw new RepositoryException(Reason.DISK, "cannot describe " + real + ": " + e.getMessage(), e);
            }
        }
        if (info == null || !info.readOnly()) {
            throw new RepositoryException(Reason.NO_SUCH_VERSION, "image " + image + " version " + version
                    + " is not a read-only snapshot on this master");
        }
        OptionalInt before;
        try {
            before = highestNumberBelow(real.getParent(), version);
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot list " + real.getParent() + ": " + e, e);
        }
        return new SendableVersion(image, version, real, info.uuid().toString(),
                before.isPresent() ? Optional.of(before.getAsInt()) : Optional.empty());
    }

    /**
     * Deletes the snapshot of {@code image} {@code version}, found as {@link #resolveForSend} finds
     * it (a read-only subvolume directly under the image's {@code versions/}, no symbolic links).
     * Its number stays taken: {@link #snapshotNext} numbers after the highest name on disk, and the
     * newest version is never deleted by retention or retire, so a number is never reused.
     *
     * @throws RepositoryException {@link Reason#NO_SUCH_VERSION} if it is not there, {@link Reason#DISK}
     *                             if btrfs refuses (for example while a send of it runs)
     */
    public void deleteVersion(String image, int version) {
        Path snapshot = resolveForSend(image, version);
        try {
            btrfs.deleteSubvolume(snapshot);
        } catch (BtrfsException | CommandException e) {
            throw new RepositoryException(Reason.DISK, "cannot delete image " + image + " version " + version + " at "
                    + snapshot + ": " + e.getMessage(), e);
        }
        log.info("deleted image {} version {} ({})", image, version, snapshot);
    }

    /**
     * Deletes the stored send streams that involve {@code image} {@code version}: the regular files
     * in {@code <pool>/.streams/<image>/} named {@code <version>} or {@code <version>.<ext>} (a full
     * stream) or {@code <parent>-<version>[.<ext>]} / {@code <version>-<child>[.<ext>]} (a delta to
     * or from it). Once a version is retired no stream of it can be sent nor applied, so none is
     * worth keeping. Nothing to do when the directory does not exist.
     *
     * @return the files deleted
     */
    public List<Path> deleteStoredStreams(String image, int version) {
        checkName(image);
        Path dir = pool.resolve(STREAMS).resolve(image);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<Path> deleted = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path file : entries.toList()) {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                        && streamInvolves(file.getFileName().toString(), version)) {
                    Files.delete(file);
                    deleted.add(file);
                    log.info("deleted stored stream {} of retired image {} version {}", file, image, version);
                }
            }
        } catch (IOException e) {
            throw new RepositoryException(Reason.DISK, "cannot delete the stored streams of image " + image
                    + " version " + version + " in " + dir + ": " + e, e);
        }
        return List.copyOf(deleted);
    }

    /** True iff a stream file name ({@code 5}, {@code 5.lz4}, {@code 4-5}, {@code 5-6.lz4}) names {@code version}. */
    static boolean streamInvolves(String fileName, int version) {
        int dot = fileName.indexOf('.');
        String stem = dot < 0 ? fileName : fileName.substring(0, dot);
        for (String part : stem.split("-", -1)) {
            if (parseVersion(part).orElse(-1) == version) {
                return true;
            }
        }
        return false;
    }

    /**
     * A version's creation time is btrfs's own ({@code otime} in its root item, as the listing reads
     * it): the inode times of a snapshot's root are copied from its source, so they would not do.
     */
    private ImageVersion describe(String image, SubvolumeInfo snapshot, ImageVersion previous) {
        String uuid = snapshot.uuid().toString();
        Instant createdAt = snapshot.creationTime().orElseThrow(() -> new RepositoryException(Reason.DISK,
                "image " + image + " version " + versionOf(snapshot.path()) + " (" + snapshot.path()
                        + ") has no creation time in btrfs (only filesystems older than kernel 3.10 lack one)"));
        long sizeBytes = sizeByUuid.computeIfAbsent(uuid, u -> apparentSize(snapshot.path()));
        return new ImageVersion(image, versionOf(snapshot.path()), uuid,
                Optional.ofNullable(previous).map(ImageVersion::version),
                Optional.ofNullable(previous).map(ImageVersion::uuid),
                createdAt, sizeBytes, snapshot.path());
    }

    /** Sum of the sizes of the regular files, links not followed; cheap for images made of a few big files. */
    private static long apparentSize(Path snapshot) {
        long[] total = {0};
        try {
            Files.walkFileTree(snapshot, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    log.debug("size of {} not counted: {}", file, e.toString());
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("cannot measure the size of {}: {}; reporting 0", snapshot, e.toString());
            return 0;
        }
        return total[0];
    }

    /** The highest version-number name of any entry in {@code versionsDir}: taken numbers are never reused. */
    private static OptionalInt highestNumber(Path versionsDir) throws IOException {
        try (Stream<Path> entries = Files.list(versionsDir)) {
            return entries.map(p -> parseVersion(p.getFileName().toString()))
                    .filter(OptionalInt::isPresent)
                    .mapToInt(OptionalInt::getAsInt)
                    .max();
        }
    }

    /** The highest version-number name below {@code version} in {@code versionsDir}. */
    private static OptionalInt highestNumberBelow(Path versionsDir, int version) throws IOException {
        try (Stream<Path> entries = Files.list(versionsDir)) {
            return entries.map(p -> parseVersion(p.getFileName().toString()))
                    .filter(OptionalInt::isPresent)
                    .mapToInt(OptionalInt::getAsInt)
                    .filter(n -> n < version)
                    .max();
        }
    }

    private void requireImage(String image) {
        if (!exists(image)) {
            throw new RepositoryException(Reason.NO_SUCH_IMAGE, "image " + image + " does not exist in pool " + pool
                    + ": run `icbd image init --image " + image + "` first");
        }
    }

    private static RepositoryException noSuchVersion(String image, int version) {
        return new RepositoryException(Reason.NO_SUCH_VERSION, "image " + image + " has no version " + version
                + " on this master");
    }

    private static int versionOf(Path snapshot) {
        return parseVersion(snapshot.getFileName().toString()).orElseThrow();
    }

    /** The version a directory name stands for, if it is one. */
    static OptionalInt parseVersion(String name) {
        if (!VERSION_NAME.matcher(name).matches()) {
            return OptionalInt.empty();
        }
        long n = Long.parseLong(name);
        return n <= Integer.MAX_VALUE ? OptionalInt.of((int) n) : OptionalInt.empty();
    }

    private static String checkName(String image) {
        try {
            return Fields.name(image, "image");
        } catch (IllegalArgumentException e) {
            throw new RepositoryException(Reason.INVALID_NAME, e.getMessage(), e);
        }
    }
}
