package org.icbd.rcs.master.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The versions the master has published of one image, oldest first, retired ones included.
 *
 * <p>Valid iff the version numbers strictly increase (so none appears twice). A retired version's
 * snapshot is gone from the master: it can be neither sent nor a parent, and retention never
 * deletes it again. Histories hold tens to hundreds of versions, so lookups scan the list.
 *
 * @param entries the versions, strictly increasing; may be empty (an image with nothing yet)
 */
public record VersionHistory(List<Entry> entries) {

    /** The history of an image that has no version yet. */
    public static final VersionHistory EMPTY = new VersionHistory(List.of());

    /** Copies {@code entries} and checks their order; messages name the field. */
    public VersionHistory {
        Objects.requireNonNull(entries, "entries must not be null");
        entries = List.copyOf(entries); // also rejects null elements
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).version() <= entries.get(i - 1).version()) {
                throw new IllegalArgumentException("versions must be strictly increasing, but "
                        + entries.get(i).version() + " follows " + entries.get(i - 1).version() + " at index " + i);
            }
        }
    }

    /** A history of the given entries, which must already be strictly increasing. */
    public static VersionHistory of(Entry... entries) {
        return new VersionHistory(List.of(entries));
    }

    /** The master's record of {@code version}; empty iff it was never published. */
    public Optional<Entry> find(int version) {
        return entries.stream().filter(e -> e.version() == version).findFirst();
    }

    /** True iff {@code version} was published and its snapshot is still on the master. */
    public boolean isLive(int version) {
        return find(version).map(Entry::live).orElse(false);
    }

    /** The version numbers whose snapshots the master still has, oldest first. */
    public List<Integer> live() {
        List<Integer> live = new ArrayList<>();
        for (Entry e : entries) {
            if (e.live()) {
                live.add(e.version());
            }
        }
        return List.copyOf(live);
    }

    /** The newest live version; empty iff no version is live. */
    public OptionalInt newestLive() {
        List<Integer> live = live();
        return live.isEmpty() ? OptionalInt.empty() : OptionalInt.of(live.get(live.size() - 1));
    }

    /** This history with {@code versions} retired; versions not live in it are left as they are. */
    public VersionHistory retiring(List<Integer> versions) {
        List<Entry> after = new ArrayList<>();
        for (Entry e : entries) {
            after.add(versions.contains(e.version()) ? new Entry(e.version(), true) : e);
        }
        return new VersionHistory(after);
    }

    /**
     * One published version of the image.
     *
     * @param version the version number, &gt; 0
     * @param retired true iff the master has deleted this version's snapshot
     */
    public record Entry(int version, boolean retired) {

        /** Validates the version; the message names the field. */
        public Entry {
            if (version <= 0) {
                throw new IllegalArgumentException("version must be > 0, was " + version);
            }
        }

        /** True iff the master still has this version's snapshot. */
        public boolean live() {
            return !retired;
        }
    }
}
