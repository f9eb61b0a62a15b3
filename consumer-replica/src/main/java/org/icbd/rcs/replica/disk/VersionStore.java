package org.icbd.rcs.replica.disk;

import java.nio.file.Path;
import java.util.List;
import org.icbd.rcs.events.HeldVersion;

/** What the task driver reads and prunes of a replica's pool: {@link ReplicaPool} on disk. */
public interface VersionStore {

    /** The versions held of {@code image}, ascending, each verified (read-only, with a received uuid). */
    List<HeldVersion> held(String image);

    /** Deletes one held version of {@code image}. */
    void deleteVersion(String image, int version);

    /** Where version {@code version} of {@code image} is (or would be) held: {@code images/<image>/versions/<n>}. */
    Path versionDir(String image, int version);
}
