package org.icbd.rcs.master.repo;

import java.nio.file.Path;
import org.icbd.rcs.btrfs.BtrfsTool;

/**
 * What an SSH send service serves: the read-only snapshots of one pool, found by image and version.
 * The master's {@link ImageRepository} is one; a replica that serves its site is another (its pool's
 * received versions). The send service asks nothing else of its pool.
 */
public interface SendableVersions {

    /** The pool's directory; stored streams default to {@code <pool>/.streams}. */
    Path pool();

    /** The btrfs commands of this pool; {@code btrfs send} by default makes the streams. */
    BtrfsTool btrfs();

    /**
     * Version {@code version} of {@code image}, checked on disk now: a read-only subvolume directly
     * under the image's {@code versions/}, reached without symbolic links.
     *
     * @throws RepositoryException {@link RepositoryException.Reason#INVALID_NAME},
     *     {@link RepositoryException.Reason#NO_SUCH_IMAGE} or {@link RepositoryException.Reason#NO_SUCH_VERSION}
     *     when the request is at fault (its message names only the image and version);
     *     {@link RepositoryException.Reason#DISK} or {@link RepositoryException.Reason#NOT_BTRFS} when the pool is
     */
    SendableVersion find(String image, int version);
}
