package org.icbd.rcs.master.reconcile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.kafka.TopicScan;
import org.icbd.rcs.master.lifecycle.VersionHistory;
import org.icbd.rcs.master.publish.NotDurableException;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.TopicVersions;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.retire.Retirer;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code icbd.image-versions} agree with the disk, which is the truth. Reads the topic to its
 * end, then, per image in the pool:
 * <ul>
 *   <li>a snapshot on disk the topic has no event for is published (a publish whose event was not
 *       acknowledged is completed here, without waiting for a restart);</li>
 *   <li>a version the topic has published whose snapshot is gone (deleted by hand) is published as
 *       retired, with a warning naming it, so that the planner stops offering it;</li>
 *   <li>a version the topic has published with another uuid than its snapshot's (a forged event,
 *       or one from a pool that was replaced) is published again as a correction naming the
 *       topic's uuid, so that the planner plans the snapshot that exists;</li>
 *   <li>a snapshot still on disk that the topic says is retired (a retirement whose deletion failed
 *       after its event was durable) is deleted.</li>
 * </ul>
 * An image the topic knows but the pool does not have is left alone with a warning: a master
 * pointed at the wrong pool must not retire everything. Idempotent: a second run finds nothing to
 * do. The master service runs it at start and every reconcile interval.
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final ImageRepository repository;
    private final Publisher publisher;
    private final TopicScan scan;
    private final Retirer retirer;
    private final Set<String> warnedAbsent = new TreeSet<>();

    public Reconciler(ImageRepository repository, Publisher publisher, TopicScan scan) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.scan = Objects.requireNonNull(scan, "scan");
        this.retirer = new Retirer(repository, publisher);
    }

    /**
     * One reconciliation.
     *
     * @throws org.apache.kafka.common.KafkaException if the topic cannot be read
     * @throws NotDurableException if an event could not be published (the next run tries again)
     */
    public Reconciliation run() {
        TopicVersions topic = TopicVersions.read(scan);
        List<ImageVersionPublished> published = new ArrayList<>();
        List<ImageVersionRetired> retired = new ArrayList<>();
        List<ImageVersionPublished> corrected = new ArrayList<>();
        List<ImageVersion> deleted = new ArrayList<>();
        Map<String, VersionHistory> histories = new HashMap<>();
        List<String> images = repository.images();
        for (String image : images) {
            List<ImageVersion> onDisk = repository.versions(image);
            Map<Integer, TopicVersions.Known> known = topic.of(image);
            Set<Integer> diskNumbers = new TreeSet<>();
            for (ImageVersion version : onDisk) {
                diskNumbers.add(version.version());
                TopicVersions.Known k = known.get(version.version());
                if (k == null) {
                    log.info("image {} version {} (uuid {}) is on disk but not in {}: publishing it", image,
                            version.version(), version.uuid(), Topics.IMAGE_VERSIONS.name());
                    published.add(publisher.publish(version));
                } else if (!k.uuid().equals(version.uuid())) {
                    log.warn("image {} version {} has uuid {} on disk but {} in {}: publishing a correction, the"
                            + " disk is the truth; check who may write {} (a forged event, or a replaced pool)", image,
                            version.version(), version.uuid(), k.uuid(), Topics.IMAGE_VERSIONS.name(),
                            Topics.IMAGE_VERSIONS.name());
                    ImageVersionPublished correction = publisher.publishCorrection(version, k.uuid());
                    published.add(correction);
                    corrected.add(correction);
                } else if (k.retired()) {
                    log.warn("image {} version {} is retired in {} but its snapshot {} is still on disk: deleting it",
                            image, version.version(), Topics.IMAGE_VERSIONS.name(), version.path());
                    try {
                        retirer.completeRetired(image, version.version());
                        deleted.add(version);
                    } catch (RepositoryException e) {
                        log.warn("image {} version {}: {}; the next reconciliation tries again", image,
                                version.version(), e.getMessage());
                    }
                }
            }
            for (var e : new TreeMap<>(known).entrySet()) {
                int version = e.getKey();
                if (!e.getValue().retired() && !diskNumbers.contains(version)) {
                    log.warn("image {} version {} (uuid {}) is published in {} but its snapshot is gone from {}:"
                            + " publishing it as retired; replicas holding only it will re-seed", image, version,
                            e.getValue().uuid(), Topics.IMAGE_VERSIONS.name(), repository.imageDir(image));
                    retired.add(retirer.announceGone(image, version, e.getValue().uuid()));
                }
            }
            // Versions retired now are known to the topic and off the disk: history() counts them retired.
            List<ImageVersion> remaining = onDisk.stream().filter(v -> !deleted.contains(v)).toList();
            histories.put(image, topic.history(image, remaining));
        }
        for (String image : topic.images()) {
            if (!images.contains(image) && warnedAbsent.add(image)) {
                log.warn("image {} has events in {} but no directory in pool {}: leaving its versions as they are",
                        image, Topics.IMAGE_VERSIONS.name(), repository.pool());
            }
        }
        if (!published.isEmpty() || !retired.isEmpty() || !deleted.isEmpty()) {
            log.info("reconciled {} with the disk: {} published ({} of them corrections), {} published as retired,"
                    + " {} retired snapshots deleted", Topics.IMAGE_VERSIONS.name(), published.size(),
                    corrected.size(), retired.size(), deleted.size());
        }
        return new Reconciliation(published, retired, histories);
    }

    /**
     * What one run did, and each image's history after it.
     *
     * @param published the versions it published, oldest first per image; a correction carries
     *                  {@code corrects}
     * @param retired   the versions it published as retired because their snapshots were gone
     * @param histories image → its history after the run (live = snapshot on disk, not retired)
     */
    public record Reconciliation(List<ImageVersionPublished> published, List<ImageVersionRetired> retired,
                                 Map<String, VersionHistory> histories) {

        /** Copies the lists and the map. */
        public Reconciliation {
            published = List.copyOf(published);
            retired = List.copyOf(retired);
            histories = Map.copyOf(histories);
        }
    }
}
