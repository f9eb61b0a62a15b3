package org.icbd.rcs.master.retire;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retires one version: publishes {@code ImageVersionRetired} and waits for Kafka's acknowledgement,
 * then deletes the snapshot and its stored streams. In that order, so that the planner never offers
 * a version the master can no longer send; when the deletion fails after the event is durable, the
 * master's reconciler finishes it (a version on disk that the topic says is retired is deleted).
 * That happens when a send still reads the snapshot (as the version or as a delta's parent): btrfs
 * refuses to delete a subvolume while a send uses it, so a transfer in flight completes.
 * Whether a version may be retired is the caller's decision ({@code Retention}).
 */
public final class Retirer {

    private static final Logger log = LoggerFactory.getLogger(Retirer.class);

    private final ImageRepository repository;
    private final Publisher publisher;

    public Retirer(ImageRepository repository, Publisher publisher) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * @return the acknowledged event
     * @throws org.icbd.rcs.master.publish.NotDurableException if Kafka did not acknowledge: nothing deleted
     * @throws org.icbd.rcs.master.repo.RepositoryException   if the event is durable but the snapshot could
     *                                                         not be deleted (the reconciler retries)
     */
    public ImageVersionRetired retire(ImageVersion version) {
        ImageVersionRetired event = publisher.retire(version.image(), version.version(), version.uuid(), version.path());
        repository.deleteVersion(version.image(), version.version());
        List<Path> streams = repository.deleteStoredStreams(version.image(), version.version());
        log.info("retired image {} version {} (uuid {}): snapshot and {} stored streams deleted", version.image(),
                version.version(), version.uuid(), streams.size());
        return event;
    }

    /**
     * Announces a version whose snapshot is already gone (deleted by hand) as retired, then deletes
     * its stored streams.
     *
     * @throws org.icbd.rcs.master.publish.NotDurableException if Kafka did not acknowledge
     */
    public ImageVersionRetired announceGone(String image, int version, String uuid) {
        ImageVersionRetired event = publisher.retire(image, version, uuid,
                repository.imageDir(image).resolve(ImageRepository.VERSIONS).resolve(Integer.toString(version)));
        repository.deleteStoredStreams(image, version);
        return event;
    }

    /**
     * Finishes a retirement whose event is already durable: deletes the snapshot if it is still there,
     * and the stored streams.
     */
    public void completeRetired(String image, int version) {
        if (repository.versions(image).stream().anyMatch(v -> v.version() == version)) {
            repository.deleteVersion(image, version);
        }
        repository.deleteStoredStreams(image, version);
    }
}
