package org.icbd.rcs.master.retire;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.fleet.FleetReader;
import org.icbd.rcs.master.fleet.FleetView;
import org.icbd.rcs.master.kafka.TopicScan;
import org.icbd.rcs.master.lifecycle.Retention;
import org.icbd.rcs.master.lifecycle.RetireVerdict;
import org.icbd.rcs.master.lifecycle.SubscribedReplica;
import org.icbd.rcs.master.lifecycle.VersionHistory;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.TopicVersions;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One image's lifecycle on demand, for {@code icbd retire} and {@code icbd prune --pool}: reads
 * the image's history (topic and disk) and the fleet from Kafka, asks the pure rule
 * ({@link Retention}) and acts through {@link Retirer}.
 */
public final class ImageLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ImageLifecycle.class);

    private final ImageRepository repository;
    private final TopicScan scan;
    private final Retirer retirer;
    private final Pruner pruner;

    public ImageLifecycle(ImageRepository repository, Publisher publisher, TopicScan scan) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.scan = Objects.requireNonNull(scan, "scan");
        this.retirer = new Retirer(repository, publisher);
        this.pruner = new Pruner(repository, retirer);
    }

    /**
     * The image's history: the versions the topic knows and those on disk; live iff on disk and
     * not retired in the topic.
     *
     * @throws org.icbd.rcs.master.repo.RepositoryException for a bad pool or an unknown image
     */
    public VersionHistory history(String image) {
        List<ImageVersion> onDisk = repository.versions(image);
        return TopicVersions.read(scan).history(image, onDisk);
    }

    /** The replicas subscribed to {@code image}, from the fleet's topics. */
    public List<SubscribedReplica> subscribed(String image) {
        FleetView fleet = new FleetReader(scan).read();
        return fleet.subscribed(image);
    }

    /**
     * Retires {@code version} by hand: refused for the newest, and for a protecting replica's next
     * parent unless {@code force} (those replicas then get a full re-seed from the planner).
     */
    public RetireOutcome retire(String image, int version, boolean force, Instant now, Duration offlineLimit) {
        List<ImageVersion> onDisk = repository.versions(image);
        TopicVersions topic = TopicVersions.read(scan);
        VersionHistory history = topic.history(image, onDisk);
        List<SubscribedReplica> replicas = subscribed(image);
        RetireVerdict verdict = Retention.mayRetire(history, replicas, version, now, offlineLimit);
        if (verdict instanceof RetireVerdict.Newest || verdict instanceof RetireVerdict.Unknown
                || verdict instanceof RetireVerdict.NextParent && !force) {
            return new RetireOutcome(verdict, null, List.of());
        }
        if (verdict instanceof RetireVerdict.AlreadyRetired) {
            TopicVersions.Known known = topic.of(image).get(version);
            if (known != null && !known.retired()) {
                // Deleted by hand before any reconciliation announced it: announce it now.
                log.warn("image {} version {} is published but its snapshot is gone: publishing it as retired",
                        image, version);
                ImageVersionRetired event = retirer.announceGone(image, version, known.uuid());
                return new RetireOutcome(verdict, event, List.of());
            }
            retirer.completeRetired(image, version);
            return new RetireOutcome(verdict, null, List.of());
        }
        List<String> reseed = verdict instanceof RetireVerdict.NextParent np ? np.replicaIds()
                : ((RetireVerdict.Allowed) verdict).lapsedNextParentOf();
        if (!reseed.isEmpty()) {
            log.warn("retiring image {} version {}{}: {}", image, version, force ? " (forced)" : "", verdict.explain());
        }
        ImageVersion snapshot = repository.version(image, version);
        ImageVersionRetired event = retirer.retire(snapshot);
        return new RetireOutcome(verdict, event, reseed);
    }

    /** Applies (or, with {@code dryRun}, only decides) retention for {@code image}. */
    public Pruner.Outcome prune(String image, int keep, boolean dryRun, Instant now, Duration offlineLimit) {
        return pruner.prune(image, history(image), subscribed(image), keep, now, offlineLimit, dryRun);
    }


    /**
     * What {@link #retire} did.
     *
     * @param verdict the rule's verdict
     * @param event   the acknowledged retirement; null when nothing was retired now
     * @param reseed  the replicas whose next parent it was (forced, or OFFLINE past the limit): the
     *                planner re-seeds those that hold nothing else live
     */
    public record RetireOutcome(RetireVerdict verdict, ImageVersionRetired event, List<String> reseed) {

        /** Copies the list. */
        public RetireOutcome {
            Objects.requireNonNull(verdict, "verdict must not be null");
            reseed = List.copyOf(reseed);
        }

        /** True iff the version was retired by this call. */
        public boolean retired() {
            return event != null;
        }
    }
}
