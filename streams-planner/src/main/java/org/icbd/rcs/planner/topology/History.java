package org.icbd.rcs.planner.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.planner.plan.ImageHistory;
import org.icbd.rcs.planner.plan.MasterVersion;
import org.icbd.rcs.planner.plan.SnapshotUuid;

/**
 * An image's history as the planner stores it: every version published or retired, ascending.
 *
 * <p>Valid iff versions strictly increase and no two share a uuid, which is what
 * {@link ImageHistory} requires; {@link #apply} keeps it so by rejecting any event that would
 * break it. Events may arrive twice or out of order (the master republishes versions its topic
 * lacks when it starts): a version can be inserted below newer ones, a retirement can precede
 * the publication it retires, and retirement is final.
 *
 * <p>The one exception to "a version number keeps its first uuid" is a correction (an
 * {@link ImageVersionPublished} whose {@code corrects} names the uuid the history holds): the master
 * publishes it when the topic disagrees with its disk, and the disk is the truth, so the corrected
 * entry takes the event's uuid and parent and is live again.
 *
 * @param versions ascending by version
 */
public record History(List<Entry> versions) {

    public static final History EMPTY = new History(List.of());

    /**
     * One version of the image.
     *
     * @param parentVersion informative: the version the snapshot was taken after
     * @param retired       the master deleted the snapshot
     */
    public record Entry(int version, String uuid, Optional<Integer> parentVersion, boolean retired) {
        public Entry {
            Fields.version(version, "version");
            Fields.uuid(uuid, "uuid");
            parentVersion = Fields.optional(parentVersion);
        }
    }

    public History {
        versions = Fields.list(versions, "versions");
        for (int i = 1; i < versions.size(); i++) {
            if (versions.get(i).version() <= versions.get(i - 1).version()) {
                throw new IllegalArgumentException("versions must ascend: " + versions.get(i).version()
                        + " follows " + versions.get(i - 1).version());
            }
        }
    }

    /**
     * This history with {@code event} applied; {@code this} itself when the event adds nothing
     * (a duplicate, or a publication of a version already retired).
     *
     * @throws IllegalArgumentException when the event contradicts the history: a version
     *                                  number seen with another uuid (versions are never reused),
     *                                  a uuid seen under another version, or a nil uuid
     */
    public History apply(ImageVersionEvent event) {
        if (SnapshotUuid.parse("uuid", uuidOf(event)).isNil()) {
            throw new IllegalArgumentException("version " + event.version() + " of image " + event.image()
                    + " has the nil uuid; a master snapshot always has a real one");
        }
        Optional<Entry> known = find(event.version());
        if (known.isPresent()) {
            Entry entry = known.get();
            if (event instanceof ImageVersionPublished p && p.corrects().isPresent()
                    && !entry.uuid().equals(p.uuid())) {
                return correct(entry, p);
            }
            if (!entry.uuid().equals(uuidOf(event))) {
                throw new IllegalArgumentException("version " + event.version() + " of image " + event.image()
                        + " is already known with uuid " + entry.uuid() + ", not " + uuidOf(event)
                        + "; a version number is never reused");
            }
            if (event instanceof ImageVersionRetired && !entry.retired()) {
                return replace(new Entry(entry.version(), entry.uuid(), entry.parentVersion(), true));
            }
            return this;
        }
        for (Entry entry : versions) {
            if (entry.uuid().equals(uuidOf(event))) {
                throw new IllegalArgumentException("uuid " + uuidOf(event) + " of version " + event.version()
                        + " of image " + event.image() + " already belongs to version " + entry.version());
            }
        }
        Entry added = event instanceof ImageVersionPublished p
                ? new Entry(p.version(), p.uuid(), p.parentVersion(), false)
                : new Entry(event.version(), uuidOf(event), Optional.empty(), true);
        List<Entry> next = new ArrayList<>(versions);
        int at = 0;
        while (at < next.size() && next.get(at).version() < added.version()) {
            at++;
        }
        next.add(at, added);
        return new History(next);
    }

    /** The planning core's view of this history. */
    public ImageHistory toImageHistory() {
        List<MasterVersion> master = new ArrayList<>(versions.size());
        for (Entry e : versions) {
            master.add(MasterVersion.of(e.version(), e.uuid(),
                    e.parentVersion().map(OptionalInt::of).orElse(OptionalInt.empty()), e.retired()));
        }
        return new ImageHistory(master);
    }

    /** {@code entry} replaced by the master's word on its version, {@code correction}. */
    private History correct(Entry entry, ImageVersionPublished correction) {
        if (!entry.uuid().equals(correction.corrects().orElseThrow())) {
            throw new IllegalArgumentException("a correction of version " + correction.version() + " of image "
                    + correction.image() + " names uuid " + correction.corrects().orElseThrow()
                    + " as the wrong one, but the version is known with uuid " + entry.uuid());
        }
        for (Entry other : versions) {
            if (other.version() != entry.version() && other.uuid().equals(correction.uuid())) {
                throw new IllegalArgumentException("uuid " + correction.uuid() + " of version " + correction.version()
                        + " of image " + correction.image() + " already belongs to version " + other.version());
            }
        }
        return replace(new Entry(entry.version(), correction.uuid(), correction.parentVersion(), false));
    }

    public Optional<Entry> find(int version) {
        return versions.stream().filter(e -> e.version() == version).findFirst();
    }

    private History replace(Entry entry) {
        List<Entry> next = new ArrayList<>(versions);
        next.replaceAll(e -> e.version() == entry.version() ? entry : e);
        return new History(next);
    }

    private static String uuidOf(ImageVersionEvent event) {
        // The interface is sealed to these two.
        return event instanceof ImageVersionPublished p ? p.uuid() : ((ImageVersionRetired) event).uuid();
    }
}
