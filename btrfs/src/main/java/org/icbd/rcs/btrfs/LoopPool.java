package org.icbd.rcs.btrfs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A btrfs filesystem in a sparse file, loop-mounted: a pool for demos, benches and tests (root needed).
 *
 * <p>{@link #close()} unmounts it, detaches its loop device and deletes the file, and is idempotent. A
 * JVM shutdown hook does the same if the owner never closes it. After a crash, {@link #destroy(Path,
 * Path)} removes whatever is left given the same two paths. It only ever unmounts a mount whose source
 * is a loop device bound to this pool's file, and only detaches such devices.
 */
public final class LoopPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoopPool.class);

    /** The smallest pool: mkfs.btrfs refuses files below about 114 MiB. */
    public static final long MIN_SIZE_BYTES = 128L * 1024 * 1024;
    /** The size of a pool when none is given. */
    public static final long DEFAULT_SIZE_BYTES = 256L * 1024 * 1024;

    private static final CommandRunner RUNNER = new CommandRunner();
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private static final int UNMOUNT_ATTEMPTS = 5;
    /** How long a loop device may take to be released after its filesystem is unmounted. */
    private static final Duration DETACH_WAIT = Duration.ofSeconds(10);

    private final Path backingFile;
    private final Path mountPoint;
    private final AtomicBoolean destroyed = new AtomicBoolean();
    private final Thread shutdownHook;

    private LoopPool(Path backingFile, Path mountPoint) {
        this.backingFile = backingFile;
        this.mountPoint = mountPoint;
        this.shutdownHook = new Thread(this::destroyQuietly, "loop-pool-cleanup-" + backingFile.getFileName());
    }

    /** Creates a pool of {@link #DEFAULT_SIZE_BYTES}; see {@link #create(Path, Path, long)}. */
    public static LoopPool create(Path backingFile, Path mountPoint) {
        return create(backingFile, mountPoint, DEFAULT_SIZE_BYTES);
    }

    /**
     * Creates the sparse file {@code backingFile} of {@code sizeBytes}, makes a btrfs filesystem in it and
     * mounts it at {@code mountPoint} (created if missing; must be empty and not a mount point). On
     * failure, whatever was set up is removed again.
     *
     * @throws BtrfsException if the file already exists, the mount point is in use, or a step failed
     */
    public static LoopPool create(Path backingFile, Path mountPoint, long sizeBytes) {
        if (sizeBytes < MIN_SIZE_BYTES) {
            throw new IllegalArgumentException("sizeBytes must be at least " + MIN_SIZE_BYTES + " (128 MiB), got "
                    + sizeBytes);
        }
        Path file = backingFile.toAbsolutePath().normalize();
        Path mount = mountPoint.toAbsolutePath().normalize();
        try {
            Files.createDirectories(mount);
            mount = mount.toRealPath();
            if (MountTable.read(MountTable.PROC_SELF_MOUNTINFO).mountAt(mount).isPresent()) {
                throw new BtrfsException("cannot create a pool at " + mount + ": something is mounted there");
            }
            try (var entries = Files.list(mount)) {
                if (entries.findAny().isPresent()) {
                    throw new BtrfsException("cannot create a pool at " + mount + ": the directory is not empty");
                }
            }
            Files.createDirectories(file.getParent());
            file = file.getParent().toRealPath().resolve(file.getFileName());
            Files.createFile(file);
        } catch (IOException e) {
            throw new BtrfsException("cannot create a pool file " + file + " mounted at " + mount + ": " + e, e);
        }
        LoopPool pool = new LoopPool(file, mount);
        try {
            try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
                sparse.setLength(sizeBytes);
            }
            RUNNER.run(List.of("mkfs.btrfs", "-q", file.toString()), COMMAND_TIMEOUT);
            RUNNER.run(List.of("mount", "-t", "btrfs", "-o", "loop", file.toString(), mount.toString()), COMMAND_TIMEOUT);
            Runtime.getRuntime().addShutdownHook(pool.shutdownHook);
        } catch (IOException | RuntimeException e) {
            try {
                destroy(file, mount);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new BtrfsException("cannot size the pool file " + file + ": " + e, e);
        }
        log.info("created btrfs pool {} ({} MiB) mounted at {}", file, sizeBytes >> 20, mount);
        return pool;
    }

    /** Where the pool is mounted (a real path). */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The file holding the filesystem (a real path). */
    public Path backingFile() {
        return backingFile;
    }

    /** {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    /**
     * Lets the pool outlive this process and this object: no clean-up at exit, and {@link #close()}
     * leaves it mounted. For the CLI's {@code pool create}; remove it later with
     * {@link #destroy(Path, Path)}.
     */
    public LoopPool keepAfterExit() {
        if (destroyed.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // Nothing to unregister during shutdown.
            }
        }
        return this;
    }

    /** Unmounts the pool, detaches its loop device and deletes its file. Idempotent. */
    public void destroy() {
        if (destroyed.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // Called from the hook itself, or during shutdown: nothing to unregister.
            }
            destroy(backingFile, mountPoint);
        }
    }

    /**
     * Removes whatever is left of a pool, given its two paths, whatever state a crash left it in: unmounts
     * {@code mountPoint} if a loop device of {@code backingFile} is mounted there (retrying, then lazily
     * as a last resort), detaches every loop device still bound to the file, and deletes it. Safe to call
     * when nothing is left. Leaves the (empty) mount point directory.
     *
     * @throws BtrfsException if the file cannot be deleted
     */
    public static void destroy(Path backingFile, Path mountPoint) {
        Path file = realIfExists(backingFile);
        Path mount = realIfExists(mountPoint);
        List<String> devices = loopDevicesOf(file);
        if (!unmount(mount, devices)) {
            // Keep the file: deleting it would leave a mounted filesystem whose loop device no later
            // destroy could find again.
            throw new BtrfsException("cannot destroy the pool " + file + ": " + mount
                    + " is still mounted from a device that is not a loop device of this file; unmount it ("
                    + "umount " + mount + ") and try again");
        }
        detach(file);
        try {
            if (Files.deleteIfExists(file)) {
                log.info("destroyed btrfs pool {} (was mounted at {})", file, mount);
            }
        } catch (IOException e) {
            throw new BtrfsException("cannot delete the pool file " + file + ": " + e, e);
        }
    }

    private void destroyQuietly() {
        try {
            destroy();
        } catch (RuntimeException e) {
            log.warn("cleaning up pool {} at exit failed: {}", backingFile, e.toString());
        }
    }

    /**
     * Unmounts {@code mount} while the topmost mount there comes from one of {@code devices}.
     *
     * @return false iff a loop-backed filesystem this pool cannot account for is left mounted there
     */
    private static boolean unmount(Path mount, List<String> devices) {
        for (int attempt = 1; ; attempt++) {
            Optional<MountTable.Mount> top = MountTable.read(MountTable.PROC_SELF_MOUNTINFO).mountAt(mount);
            if (top.isEmpty()) {
                return true;
            }
            if (!devices.contains(top.get().source())) {
                log.warn("{} is mounted from {}, not from a loop device of this pool ({}): left mounted",
                        mount, top.get().source(), devices);
                return !top.get().source().startsWith("/dev/loop");
            }
            if (attempt > UNMOUNT_ATTEMPTS) {
                // Busy (a process still has a file open there): detach it now, the kernel frees it when
                // the last user goes, and the loop device with it.
                log.warn("{} still busy after {} attempts to unmount it; unmounting lazily", mount, UNMOUNT_ATTEMPTS);
                RUNNER.run(List.of("umount", "-l", mount.toString()), COMMAND_TIMEOUT);
                return true;
            }
            try {
                RUNNER.run(List.of("umount", mount.toString()), COMMAND_TIMEOUT);
            } catch (CommandException e) {
                log.info("unmounting {} failed (attempt {} of {}): {}", mount, attempt, UNMOUNT_ATTEMPTS, e.getMessage());
                pause(Duration.ofMillis(100L << attempt));
            }
        }
    }

    /**
     * Detaches every loop device bound to {@code file}. Unmounting a {@code mount -o loop} filesystem
     * releases its device by itself (autoclear), but asynchronously: wait for that, detaching explicitly
     * whatever remains.
     */
    private static void detach(Path file) {
        long deadline = System.nanoTime() + DETACH_WAIT.toNanos();
        List<String> devices = loopDevicesOf(file);
        for (String device : devices) {
            try {
                RUNNER.run(List.of("losetup", "-d", device), COMMAND_TIMEOUT);
            } catch (CommandException e) {
                // Released between the listing and now, or still in use (then it is marked to be
                // released when the last user goes).
                log.debug("detaching {} from {}: {}", device, file, e.getMessage());
            }
        }
        while (!devices.isEmpty() && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(50));
            devices = loopDevicesOf(file);
        }
        if (!devices.isEmpty()) {
            log.warn("loop devices {} still bound to {} after {}", devices, file, DETACH_WAIT);
        }
    }

    /** The loop devices bound to {@code file} ({@code losetup -j}); none if the file does not exist. */
    private static List<String> loopDevicesOf(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        String output = RUNNER.run(List.of("losetup", "-j", file.toString()), COMMAND_TIMEOUT).stdout();
        // Lines look like "/dev/loop3: [2049]:1234 (/path/to/file)".
        return output.lines()
                .filter(line -> line.startsWith("/dev/") && line.indexOf(':') > 0)
                .map(line -> line.substring(0, line.indexOf(':')))
                .toList();
    }

    private static Path realIfExists(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            return absolute;
        }
    }

    private static void pause(Duration duration) {
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BtrfsException("interrupted while cleaning up a pool", e);
        }
    }
}
