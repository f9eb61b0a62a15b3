package org.icbd.rcs.btrfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Questions about paths: is this on btrfs, is it a subvolume, is it read-only, which read-only snapshots
 * lie in this directory. {@link #isBtrfs} and {@link #isSubvolume} ask the kernel through the file
 * system (no command); the others run {@code btrfs} through a {@link BtrfsTool}.
 */
public final class BtrfsFsCheck {
    /**
     * The inode number of a subvolume's root directory, in every btrfs subvolume (including the top
     * level). A nested subvolume seen inside a snapshot is an empty directory with another inode.
     */
    public static final long SUBVOLUME_ROOT_INODE = 256;

    private final BtrfsTool tool;
    private final Path mountinfo;

    public BtrfsFsCheck(BtrfsTool tool) {
        this(tool, MountTable.PROC_SELF_MOUNTINFO);
    }

    /** For tests: reads the mount table from {@code mountinfo} instead of {@code /proc/self/mountinfo}. */
    BtrfsFsCheck(BtrfsTool tool, Path mountinfo) {
        this.tool = Objects.requireNonNull(tool, "tool");
        this.mountinfo = Objects.requireNonNull(mountinfo, "mountinfo");
    }

    /**
     * Whether {@code path} exists and lies on a btrfs filesystem: the mount with the longest mount point
     * containing its real path has type {@code btrfs}. False for a path that does not exist.
     */
    public boolean isBtrfs(Path path) {
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + path, e);
        }
        return MountTable.read(mountinfo).mountContaining(real)
                .map(mount -> mount.fsType().equals("btrfs"))
                .orElse(false);
    }

    /**
     * Whether {@code path} is the root of a btrfs subvolume (or of the top level): a directory, not a
     * symbolic link, on btrfs, with inode {@value #SUBVOLUME_ROOT_INODE}.
     */
    public boolean isSubvolume(Path path) {
        return hasSubvolumeRootInode(path) && isBtrfs(path);
    }

    /** Whether the subvolume at {@code path} is read-only; fails if it is not a subvolume. */
    public boolean isReadOnly(Path path) {
        return tool.isReadOnly(path);
    }

    /**
     * The read-only subvolumes directly under {@code dir}, sorted by name (string order), each with its
     * creation time. Read-write subvolumes, plain files and directories are left out; {@code dir} must
     * be on btrfs.
     *
     * <p>A constant number of commands, however many there are: {@link BtrfsTool#listReadOnly} lists
     * the read-only subvolumes of the subvolume holding {@code dir} by their paths from the top level,
     * and the mount table says what {@code dir}'s own path from the top level is. Only a read-only
     * subvolume that is not a snapshot (a full receive's result) costs a {@code subvolume show} for its
     * creation time. Where that path cannot be known (a bind mount of a directory inside a subvolume,
     * whose mount table entry names the subvolume only), each subvolume is shown on its own.
     *
     * @throws BtrfsException if {@code dir} is not a directory on btrfs
     */
    public List<SubvolumeInfo> listSnapshots(Path dir) {
        if (!Files.isDirectory(dir) || !isBtrfs(dir)) {
            throw new BtrfsException("cannot list snapshots in " + dir.toAbsolutePath() + ": not a directory on btrfs");
        }
        Path absolute = dir.toAbsolutePath().normalize();
        Optional<String> fromTop = pathFromTopLevel(absolute);
        if (fromTop.isEmpty()) {
            return showEach(absolute);
        }
        String prefix = fromTop.get().isEmpty() ? "" : fromTop.get() + "/";
        List<SubvolumeInfo> snapshots = new ArrayList<>();
        for (ReadOnlySubvolume subvolume : tool.listReadOnly(absolute)) {
            SubvolumeListEntry e = subvolume.listed();
            String name = e.path().startsWith(prefix) ? e.path().substring(prefix.length()) : "";
            // Directly under dir, and still there (the listing is not atomic with this check).
            if (name.isEmpty() || name.contains("/") || !hasSubvolumeRootInode(absolute.resolve(name))) {
                continue;
            }
            Path path = absolute.resolve(name);
            Optional<Instant> created = subvolume.creationTime().isPresent()
                    ? subvolume.creationTime()
                    : tool.show(path).creationTime();
            snapshots.add(new SubvolumeInfo(path, name, e.id(), e.uuid(), e.parentUuid(), e.receivedUuid(), true,
                    e.generation(), created));
        }
        snapshots.sort(Comparator.comparing(SubvolumeInfo::name));
        return List.copyOf(snapshots);
    }

    /**
     * The path of {@code dir} from its filesystem's top-level subvolume, as {@code btrfs subvolume
     * list} prints paths ("" for the top level itself): the mounted subvolume's path from the mount
     * table plus the way from the mount point. Empty when the mount point is not a subvolume root (a
     * bind mount of a directory, which the mount table does not name).
     */
    private Optional<String> pathFromTopLevel(Path dir) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + dir, e);
        }
        Optional<MountTable.Mount> mount = MountTable.read(mountinfo).mountContaining(real);
        if (mount.isEmpty() || !hasSubvolumeRootInode(mount.get().mountPoint())) {
            return Optional.empty();
        }
        String root = mount.get().root().replaceAll("^/+|/+$", "");
        String within = mount.get().mountPoint().relativize(real).toString();
        return Optional.of(root.isEmpty() ? within : within.isEmpty() ? root : root + "/" + within);
    }

    /** {@link #listSnapshots} one {@code subvolume show} per subvolume. */
    private List<SubvolumeInfo> showEach(Path dir) {
        List<Path> subvolumes;
        try (Stream<Path> entries = Files.list(dir)) {
            subvolumes = entries.filter(BtrfsFsCheck::hasSubvolumeRootInode)
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        List<SubvolumeInfo> snapshots = new ArrayList<>();
        for (Path subvolume : subvolumes) {
            SubvolumeInfo info = tool.show(subvolume);
            if (info.readOnly()) {
                snapshots.add(info);
            }
        }
        return List.copyOf(snapshots);
    }

    /**
     * Whether {@code path} is a directory (not followed through a link) with the inode number of a btrfs
     * subvolume root. Only meaningful on btrfs; false if it does not exist.
     */
    static boolean hasSubvolumeRootInode(Path path) {
        try {
            return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                    && ((Number) Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue()
                            == SUBVOLUME_ROOT_INODE;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the inode number of " + path, e);
        }
    }
}
