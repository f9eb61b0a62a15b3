package org.icbd.rcs.master.repo;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.icbd.rcs.events.Fields;

/**
 * One version of an image as the master's disk holds it: the read-only snapshot
 * {@code <pool>/images/<image>/versions/<version>}.
 *
 * @param parentVersion the next lower version on disk: what a delta of this version is computed
 *                      against; empty for the lowest version on disk
 * @param parentUuid    the btrfs UUID of {@code parentVersion}; present iff it is
 * @param createdAt     when btrfs created the snapshot (its "Creation time", whole seconds)
 * @param sizeBytes     the apparent size of the snapshot: the sum of the sizes of its regular files,
 *                      as {@code du --apparent-size} counts them; shared extents count in every
 *                      version that references them
 * @param path          the snapshot's path
 */
public record ImageVersion(String image, int version, String uuid, Optional<Integer> parentVersion,
                           Optional<String> parentUuid, Instant createdAt, long sizeBytes, Path path) {

    public ImageVersion {
        Fields.name(image, "image");
        Fields.version(version, "version");
        Fields.uuid(uuid, "uuid");
        parentVersion = Fields.optional(parentVersion);
        parentUuid = Fields.optional(parentUuid);
        if (parentVersion.isPresent() != parentUuid.isPresent()) {
            throw new IllegalArgumentException("parentVersion and parentUuid must be both present or both absent");
        }
        parentVersion.ifPresent(p -> {
            if (p >= version) {
                throw new IllegalArgumentException("parentVersion " + p + " must be older than version " + version);
            }
        });
        Objects.requireNonNull(createdAt, "createdAt");
        Fields.nonNegative(sizeBytes, "sizeBytes");
        Objects.requireNonNull(path, "path");
    }
}
