package org.icbd.rcs.master.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import org.icbd.rcs.master.repo.ImageVersion;

/**
 * One version in {@code GET /images/{image}/versions}.
 *
 * @param parent     the previous version on disk (a delta's parent); null for the oldest
 * @param parentUuid its btrfs UUID; null iff {@code parent} is
 * @param sizeBytes  the apparent size of the snapshot's files
 */
@Serdeable
public record VersionView(int version, String uuid, @Nullable Integer parent, @Nullable String parentUuid,
                          Instant created, long sizeBytes) {

    static VersionView of(ImageVersion v) {
        return new VersionView(v.version(), v.uuid(), v.parentVersion().orElse(null), v.parentUuid().orElse(null),
                v.createdAt(), v.sizeBytes());
    }
}
