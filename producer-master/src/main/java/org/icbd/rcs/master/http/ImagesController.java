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
import java.util.List;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.service.MasterService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Read-only views of the master's images, read from the disk at every request. */
@Requires(env = MasterApplication.ENVIRONMENT)
@Controller("/images")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ImagesController {

    private static final Logger log = LoggerFactory.getLogger(ImagesController.class);

    private final ImageRepository repository;

    public ImagesController(MasterService master) {
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

    @Get("/{image}/versions")
    public List<VersionView> versions(@PathVariable String image) {
        return repository.versions(image).stream().map(VersionView::of).toList();
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
