package org.icbd.rcs.events;

import java.time.Instant;
import java.util.Optional;

/**
 * A new read-only snapshot of an image exists on the master.
 *
 * @param parentVersion the version the snapshot was taken after (the previous one on disk); empty for the first
 * @param parentUuid    the uuid of {@code parentVersion}; present iff {@code parentVersion} is
 * @param sizeBytes     the apparent size of the regular files in the snapshot (0 when unknown)
 * @param master        the name of the master site that holds the snapshot
 * @param corrects      present iff this event corrects the topic: the master's disk holds
 *                      {@code version} with {@code uuid}, and the event already published for that
 *                      number with the uuid given here was not the master's (forged, or from a
 *                      master whose pool was replaced). Readers take the corrected uuid as the
 *                      version's; absent (the usual case, and every event written before the field
 *                      existed) means an ordinary publication
 */
public record ImageVersionPublished(
        int schemaVersion,
        String image,
        int version,
        String uuid,
        Optional<Integer> parentVersion,
        Optional<String> parentUuid,
        long sizeBytes,
        Instant createdAt,
        String master,
        Optional<String> corrects) implements ImageVersionEvent {

    public static final int SCHEMA_VERSION = 1;

    public ImageVersionPublished {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "ImageVersionPublished");
        Fields.name(image, "image");
        Fields.version(version, "version");
        Fields.uuid(uuid, "uuid");
        parentVersion = Fields.optional(parentVersion);
        parentUuid = Fields.optional(parentUuid);
        parentVersion.ifPresent(p -> Fields.version(p, "parentVersion"));
        parentUuid.ifPresent(p -> Fields.uuid(p, "parentUuid"));
        if (parentVersion.isPresent() != parentUuid.isPresent()) {
            throw new IllegalArgumentException("parentVersion and parentUuid must be both present or both absent");
        }
        if (parentVersion.isPresent() && parentVersion.get() >= version) {
            throw new IllegalArgumentException("parentVersion " + parentVersion.get()
                    + " must be older than version " + version);
        }
        Fields.nonNegative(sizeBytes, "sizeBytes");
        Fields.present(createdAt, "createdAt");
        Fields.name(master, "master");
        corrects = Fields.optional(corrects);
        corrects.ifPresent(c -> Fields.uuid(c, "corrects"));
        if (corrects.isPresent() && corrects.get().equals(uuid)) {
            throw new IllegalArgumentException("corrects must name another uuid than the event's own (" + uuid + ")");
        }
    }

    public static ImageVersionPublished of(String image, int version, String uuid, Optional<Integer> parentVersion,
                                           Optional<String> parentUuid, long sizeBytes, Instant createdAt,
                                           String master) {
        return new ImageVersionPublished(SCHEMA_VERSION, image, version, uuid, parentVersion, parentUuid,
                sizeBytes, createdAt, master, Optional.empty());
    }

    /** This publication as a correction of the event published for the same version with {@code wrongUuid}. */
    public ImageVersionPublished correcting(String wrongUuid) {
        return new ImageVersionPublished(schemaVersion, image, version, uuid, parentVersion, parentUuid, sizeBytes,
                createdAt, master, Optional.of(wrongUuid));
    }
}
