package org.icbd.rcs.events;

import java.time.Instant;

/**
 * A version's snapshot was deleted on the master: it can no longer be sent nor serve as a delta
 * parent. Replicas keep what they hold; the planner skips it.
 */
public record ImageVersionRetired(
        int schemaVersion,
        String image,
        int version,
        String uuid,
        Instant retiredAt,
        String master) implements ImageVersionEvent {

    public static final int SCHEMA_VERSION = 1;

    public ImageVersionRetired {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "ImageVersionRetired");
        Fields.name(image, "image");
        Fields.version(version, "version");
        Fields.uuid(uuid, "uuid");
        Fields.present(retiredAt, "retiredAt");
        Fields.name(master, "master");
    }

    public static ImageVersionRetired of(String image, int version, String uuid, Instant retiredAt, String master) {
        return new ImageVersionRetired(SCHEMA_VERSION, image, version, uuid, retiredAt, master);
    }
}
