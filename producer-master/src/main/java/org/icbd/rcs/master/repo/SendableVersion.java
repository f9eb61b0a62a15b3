package org.icbd.rcs.master.repo;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.icbd.rcs.events.Fields;

/**
 * One version as a send service finds it ({@link SendableVersions#find}).
 *
 * @param path          the read-only snapshot, its real path
 * @param uuid          the version's uuid as the fleet knows it: the master's snapshot uuid; on a replica
 *                      the received uuid of its copy, which is that same master uuid
 * @param parentVersion the version before it in the same pool, if any (what a delta is usually made from)
 */
public record SendableVersion(String image, int version, Path path, String uuid, Optional<Integer> parentVersion) {

    public SendableVersion {
        Fields.name(image, "image");
        Fields.version(version, "version");
        Objects.requireNonNull(path, "path");
        Fields.nonBlank(uuid, "uuid");
        parentVersion = Fields.optional(parentVersion);
    }
}
