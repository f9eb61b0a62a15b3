package org.icbd.rcs.master.retire;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.icbd.rcs.master.lifecycle.Retention;
import org.icbd.rcs.master.lifecycle.RetentionDecision;
import org.icbd.rcs.master.lifecycle.SubscribedReplica;
import org.icbd.rcs.master.lifecycle.VersionHistory;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies master retention to one image: {@link Retention#decide} on the image's history and the
 * fleet, then retires every version it deletes, oldest first, through {@link Retirer} (event
 * durable first, then the snapshot). Each deletion is logged, and each lapsed replica once (again
 * only after it came back and lapsed anew).
 */
public final class Pruner {

    private static final Logger log = LoggerFactory.getLogger(Pruner.class);

    private final ImageRepository repository;
    private final Retirer retirer;
    /** image/replica/willReseed of the lapses already logged: each is logged once, not every round. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    public Pruner(ImageRepository repository, Retirer retirer) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.retirer = Objects.requireNonNull(retirer, "retirer");
    }

    /**
     * Decides and, unless {@code dryRun}, applies.
     *
     * @return the decision and the versions actually retired (none on a dry run)
     * @throws org.icbd.rcs.master.publish.NotDurableException if a retirement was not acknowledged;
     *                                                         versions retired before it stay retired
     */
    public Outcome prune(String image, VersionHistory history, List<SubscribedReplica> replicas, int keep,
                         Instant now, Duration offlineLimit, boolean dryRun) {
        RetentionDecision decision = Retention.decide(history, replicas, keep, now, offlineLimit);
        Set<String> lapsedNow = new HashSet<>();
        for (RetentionDecision.Lapsed lapsed : decision.lapsed()) {
            String key = image + "/" + lapsed.replicaId() + "/" + lapsed.willReseed();
            lapsedNow.add(key);
            if (!reported.add(key)) {
                log.debug("image {}: {} (OFFLINE since {})", image, lapsed.explain(), lapsed.offlineSince());
            } else if (lapsed.willReseed()) {
                log.warn("image {}: {} (OFFLINE since {})", image, lapsed.explain(), lapsed.offlineSince());
            } else {
                log.info("image {}: {} (OFFLINE since {})", image, lapsed.explain(), lapsed.offlineSince());
            }
        }
        // A replica that came back (or was deregistered) is reported again should it lapse again.
        reported.removeIf(key -> key.startsWith(image + "/") && !lapsedNow.contains(key));
        List<Integer> retired = new ArrayList<>();
        if (decision.deletesNothing() || dryRun) {
            log.debug("image {} retention (keep {}{}): {}", image, keep, dryRun ? ", dry run" : "", decision.render());
            return new Outcome(history, decision, retired);
        }
        log.info("image {} retention (keep {}): {}", image, keep, decision.render());
        List<ImageVersion> onDisk = repository.versions(image);
        for (int version : decision.delete()) {
            ImageVersion snapshot = onDisk.stream().filter(v -> v.version() == version).findFirst().orElse(null);
            if (snapshot == null) {
                log.info("image {} version {} is already gone from disk; the reconciler retires it", image, version);
                continue;
            }
            retirer.retire(snapshot);
            log.info("image {} version {} deleted by retention (keep {}): beyond the newest kept and no"
                    + " protecting replica's next parent", image, version, keep);
            retired.add(version);
        }
        return new Outcome(history, decision, retired);
    }

    /**
     * @param history  the history retention decided on
     * @param decision what retention decided
     * @param retired  the versions retired by this run, oldest first
     */
    public record Outcome(VersionHistory history, RetentionDecision decision, List<Integer> retired) {

        /** Copies the list. */
        public Outcome {
            Objects.requireNonNull(history, "history must not be null");
            Objects.requireNonNull(decision, "decision must not be null");
            retired = List.copyOf(retired);
        }
    }
}
