package org.icbd.rcs.master.http;

import io.micronaut.context.annotation.Requires;
import org.icbd.rcs.master.service.MasterApplication;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.icbd.rcs.master.lifecycle.KeepReason;
import org.icbd.rcs.master.lifecycle.Retention;
import org.icbd.rcs.master.lifecycle.RetentionDecision;
import org.icbd.rcs.master.lifecycle.VersionHistory;
import org.icbd.rcs.master.service.LifecycleView;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.service.MasterService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only views of the master's images, read from the disk at every request; what protects each
 * version comes from the fleet the master read at its latest reconcile round.
 */
@Requires(env = MasterApplication.ENVIRONMENT)
@Controller("/images")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ImagesController {

    private static final Logger log = LoggerFactory.getLogger(ImagesController.class);

    private final MasterService master;
    private final ImageRepository repository;

    public ImagesController(MasterService master) {
        this.master = master;
        this.repository = master.repository();
    }

    @Get
    public List<ImageSummary> images() {
        return repository.images().stream().map(image -> {
            List<ImageVersion> versions = repository.versions(image);
            return new ImageSummary(image, versions.size(),
                    versions.isEmpty() ? null : versions.get(versions.size() - 1).version());
        }).toList();
    }

    /** The versions on disk, each with what protects it ({@link #decide}). */
    @Get("/{image}/versions")
    public List<VersionView> versions(@PathVariable String image) {
        List<ImageVersion> onDisk = repository.versions(image);
        LifecycleView lifecycle = master.lifecycle();
        RetentionDecision decision = decide(image, onDisk, lifecycle);
        return onDisk.stream().map(v -> {
            RetentionDecision.Kept kept = decision.keep().stream().filter(k -> k.version() == v.version())
                    .findFirst().orElse(null);
            if (kept == null) {
                return VersionView.of(v, List.of(), null);
            }
            return VersionView.of(v, kept.nextParentOf(), retained(kept.reasons().get(0), lifecycle));
        }).toList();
    }

    /** What retention decides for the image now; lists the replicas OFFLINE past the limit ("will re-seed"). */
    @Get("/{image}/retention")
    public RetentionView retention(@PathVariable String image) {
        LifecycleView lifecycle = master.lifecycle();
        RetentionDecision decision = decide(image, repository.versions(image), lifecycle);
        return RetentionView.of(lifecycle.keep().orElse(null), decision, lifecycle.at());
    }

    /**
     * The retention decision on the disk's versions (plus those the latest reconcile round knew to be
     * retired) and the fleet that round read; without {@code keep} every live version is kept.
     */
    private RetentionDecision decide(String image, List<ImageVersion> onDisk, LifecycleView lifecycle) {
        TreeMap<Integer, Boolean> retired = new TreeMap<>();
        lifecycle.histories().getOrDefault(image, VersionHistory.EMPTY).entries()
                .forEach(e -> retired.put(e.version(), true));
        onDisk.forEach(v -> retired.put(v.version(), false));
        List<VersionHistory.Entry> entries = new ArrayList<>();
        retired.forEach((version, gone) -> entries.add(new VersionHistory.Entry(version, gone)));
        VersionHistory history = new VersionHistory(entries);
        int keep = lifecycle.keep().orElse(Math.max(1, history.live().size()));
        return Retention.decide(history, lifecycle.fleet().subscribed(image), keep, Instant.now(),
                master.settings().getOfflineLimit());
    }

    private static String retained(KeepReason first, LifecycleView lifecycle) {
        if (first instanceof KeepReason.Newest) {
            return "newest";
        }
        if (first instanceof KeepReason.WithinKeep) {
            return lifecycle.keep().isPresent() ? "within keep" : "no retention";
        }
        return "next parent";
    }

    /** Bad names are the client's fault (400), unknown images are 404, a broken pool is the master's (503). */
    @Error(exception = RepositoryException.class)
    public HttpResponse<ErrorBody> repositoryError(RepositoryException e) {
        HttpStatus status = switch (e.reason()) {
            case INVALID_NAME -> HttpStatus.BAD_REQUEST;
            case NO_SUCH_IMAGE, NO_SUCH_VERSION -> HttpStatus.NOT_FOUND;
            case ALREADY_EXISTS -> HttpStatus.CONFLICT;
            case NOT_BTRFS, WORK_MISSING, DISK -> HttpStatus.SERVICE_UNAVAILABLE;
        };
        if (status == HttpStatus.SERVICE_UNAVAILABLE) {
            log.warn("images API: {}", e.getMessage());
        }
        return HttpResponse.<ErrorBody>status(status).body(new ErrorBody(e.getMessage()));
    }
}
