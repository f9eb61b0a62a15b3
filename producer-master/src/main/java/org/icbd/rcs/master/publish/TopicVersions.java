package org.icbd.rcs.master.publish;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.kafka.TopicScan;
import org.icbd.rcs.master.lifecycle.VersionHistory;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.topic.Topics;

/**
 * What {@code icbd.image-versions} says of each image: per version, its uuid and whether the last
 * event about it retired it. A version published again after its retirement stays retired: the
 * master never brings a retired number back. A correction (a publication whose {@code corrects}
 * names the uuid known so far) replaces the uuid and makes the version live, as the planner does;
 * a retirement naming another uuid than the known one is ignored, as the planner rejects it.
 *
 * @param byImage image → version → what the topic knows of it
 */
public record TopicVersions(Map<String, Map<Integer, Known>> byImage) {

    /** Copies the maps. */
    public TopicVersions {
        Objects.requireNonNull(byImage, "byImage must not be null");
        Map<String, Map<Integer, Known>> copy = new HashMap<>();
        byImage.forEach((image, versions) -> copy.put(image, Map.copyOf(versions)));
        byImage = Map.copyOf(copy);
    }

    /** Reads the topic to its end. */
    public static TopicVersions read(TopicScan scan) {
        return of(scan.readToEnd(Topics.IMAGE_VERSIONS).stream().map(TopicScan.Entry::value).toList());
    }

    /** The topic's state after {@code events}, oldest first; null values (tombstones) are ignored. */
    public static TopicVersions of(List<ImageVersionEvent> events) {
        Map<String, Map<Integer, Known>> byImage = new HashMap<>();
        for (ImageVersionEvent event : events) {
            if (event == null) {
                continue;
            }
            Map<Integer, Known> versions = byImage.computeIfAbsent(event.image(), i -> new HashMap<>());
            Known before = versions.get(event.version());
            if (event instanceof ImageVersionRetired retired) {
                // A retirement naming another uuid than the version's is not about this snapshot (the
                // planner rejects it too): it must not make the reconciler delete what is on disk.
                if (before == null || before.uuid().equals(retired.uuid())) {
                    versions.put(event.version(), new Known(retired.uuid(), true));
                }
            } else if (before == null) {
                versions.put(event.version(), new Known(((ImageVersionPublished) event).uuid(), false));
            } else if (((ImageVersionPublished) event).corrects().filter(before.uuid()::equals).isPresent()) {
                versions.put(event.version(), new Known(((ImageVersionPublished) event).uuid(), false));
            }
        }
        return new TopicVersions(byImage);
    }

    /** The versions the topic knows of {@code image}; empty when none. */
    public Map<Integer, Known> of(String image) {
        return byImage.getOrDefault(image, Map.of());
    }

    /** The images the topic has events for. */
    public Set<String> images() {
        return new TreeSet<>(byImage.keySet());
    }

    /**
     * The image's history from the topic and the disk: every version either knows, in order; live
     * iff its snapshot is on disk and the topic has not retired it.
     */
    public VersionHistory history(String image, List<ImageVersion> onDisk) {
        Map<Integer, Boolean> retired = new TreeMap<>();
        of(image).forEach((version, known) -> retired.put(version, true));
        for (ImageVersion v : onDisk) {
            retired.put(v.version(), false);
        }
        of(image).forEach((version, known) -> {
            if (known.retired()) {
                retired.put(version, true);
            }
        });
        List<VersionHistory.Entry> entries = new ArrayList<>();
        retired.forEach((version, gone) -> entries.add(new VersionHistory.Entry(version, gone)));
        return new VersionHistory(entries);
    }

    /**
     * What the topic knows of one version.
     *
     * @param uuid    the snapshot's uuid as first published
     * @param retired true iff the latest word on it is {@code ImageVersionRetired}
     */
    public record Known(String uuid, boolean retired) {

        /** Rejects a missing uuid. */
        public Known {
            Objects.requireNonNull(uuid, "uuid must not be null");
        }
    }
}
