package org.icbd.rcs.btrfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The mounts of this process's mount namespace, read from {@code /proc/self/mountinfo} (see proc(5)):
 * {@code id parent major:minor root mountPoint options [optional fields...] - fsType source superOptions}.
 * Paths in it escape space, tab, newline and backslash as three octal digits ({@code \040}).
 */
final class MountTable {
    static final Path PROC_SELF_MOUNTINFO = Path.of("/proc/self/mountinfo");

    /**
     * One mount: where, what kind, from what.
     *
     * @param root what of the filesystem is mounted there, as a path within it; for btrfs the path of
     *     the mounted subvolume from the top level ({@code /} for the top level itself, {@code /@pool});
     *     btrfs leaves out the directory within the subvolume that a bind mount may have mounted
     */
    record Mount(Path mountPoint, String root, String fsType, String source) {
        Mount {
            Objects.requireNonNull(mountPoint, "mountPoint");
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(fsType, "fsType");
            Objects.requireNonNull(source, "source");
        }
    }

    /** The mounts in file order: a later mount at the same point is stacked on top of an earlier one. */
    private final List<Mount> mounts;

    private MountTable(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    static MountTable read(Path mountinfo) {
        try {
            return parse(Files.readString(mountinfo));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mount table " + mountinfo, e);
        }
    }

    static MountTable parse(String mountinfo) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(" ");
            // Zero or more optional fields follow the six fixed ones, up to a lone "-".
            int separator = 6;
            while (separator < fields.length && !fields[separator].equals("-")) {
                separator++;
            }
            if (separator + 2 >= fields.length) {
                throw new IllegalArgumentException("malformed mountinfo line: " + line);
            }
            mounts.add(new Mount(Path.of(unescape(fields[4])), unescape(fields[3]), unescape(fields[separator + 1]),
                    unescape(fields[separator + 2])));
        }
        return new MountTable(mounts);
    }

    List<Mount> mounts() {
        return mounts;
    }

    /**
     * The mount that {@code path} lies on: the one with the longest mount point that is a prefix of it
     * (component-wise), the last such one when several are stacked. {@code path} must be absolute and
     * free of symbolic links and {@code ..} (a real path) for the answer to be right.
     */
    Optional<Mount> mountContaining(Path path) {
        Mount best = null;
        for (Mount mount : mounts) {
            if (path.startsWith(mount.mountPoint())
                    && (best == null || mount.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = mount;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The topmost mount whose mount point is exactly {@code mountPoint}, if any. */
    Optional<Mount> mountAt(Path mountPoint) {
        Mount top = null;
        for (Mount mount : mounts) {
            if (mount.mountPoint().equals(mountPoint)) {
                top = mount;
            }
        }
        return Optional.ofNullable(top);
    }

    /** Decodes the {@code \ooo} octal escapes the kernel writes for space, tab, newline and backslash. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && isOctal(field, i + 1) && isOctal(field, i + 2)
                    && isOctal(field, i + 3)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int index) {
        char c = s.charAt(index);
        return c >= '0' && c <= '7';
    }
}
