package org.icbd.rcs.master.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import org.icbd.rcs.master.repo.ImageVersion;

/**
 * One version in {@code GET /images/{image}/versions}.
 *
 * @param parent      the previous version on disk (a delta's parent); null for the oldest
 * @param parentUuid  its btrfs UUID; null iff {@code parent} is
 * @param sizeBytes   the apparent size of the snapshot's files
 * @param protectedBy the subscribed replicas (not OFFLINE past the limit) whose next parent this
 *                    version is, sorted; retention never deletes it while the list is not empty
 * @param retained    why the version stays, the first that applies: {@code newest},
 *                    {@code within keep} (one of the newest {@code keep}), {@code next parent}
 *                    (see {@code protectedBy}), {@code no retention} (the master prunes nothing);
 *                    null (absent) when retention deletes it at its next round
 */
@Serdeable
public record VersionView(int version, String uuid, @Nullable Integer parent, @Nullable String parentUuid,
                          Instant created, long sizeBytes,
                          @JsonInclude(JsonInclude.Include.ALWAYS) List<String> protectedBy, @Nullable String retained) {

    /** Copies the list. */
    public VersionView {
        protectedBy = List.copyOf(protectedBy);
    }

    static VersionView of(ImageVersion v, List<String> protectedBy, String retained) {
        return new VersionView(v.version(), v.uuid(), v.parentVersion().orElse(null), v.parentUuid().orElse(null),
                v.createdAt(), v.sizeBytes(), protectedBy, retained);
    }
}
