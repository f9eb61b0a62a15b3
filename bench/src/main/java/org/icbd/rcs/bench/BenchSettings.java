package org.icbd.rcs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one bench run measures and where.
 *
 * @param workDir           pools, keys and logs go under {@code <workDir>/run-<pid>/}, removed at the end
 * @param datasetBytes      the generated image's size: file tree plus disk image
 * @param repeat            measurements per case
 * @param rate              the link's rate, as {@code tc} writes it ({@code 1gbit})
 * @param routes            the case groups measured
 * @param jsonOut           where the JSON report goes
 * @param seed              the dataset's seed
 * @param updateFraction    the share of the disk image's blocks (and of files) version 2 changes
 * @param siteJvmOptions    options of the master and replica JVMs
 * @param siteJava          the {@code java} binary of the master and replica JVMs; the bench's own when empty
 * @param linkGro           whether the replica's end of the link coalesces received segments (GRO), as a NIC does
 * @param maxPullRate       the cap case's {@code icbd.replica.max-pull-rate}, wire bytes per second
 */
public record BenchSettings(Path workDir, long datasetBytes, int repeat, String rate, Set<Route> routes, Path jsonOut,
                            long seed, double updateFraction, List<String> siteJvmOptions,
                            Optional<Path> siteJava, boolean linkGro, long maxPullRate) {

    /** Below this the dataset is mostly metadata and the figures mean little; the IT runs at it. */
    public static final long MIN_DATASET_BYTES = 64L << 20;
    public static final long DEFAULT_DATASET_BYTES = 2L << 30;
    /** The replica's own floor for {@code icbd.replica.max-pull-rate}. */
    public static final long MIN_PULL_RATE = org.icbd.rcs.replica.config.ReplicaConfig.MIN_PULL_RATE;

    public BenchSettings {
        Objects.requireNonNull(workDir, "--work-dir");
        Objects.requireNonNull(jsonOut, "--json-out");
        if (datasetBytes < MIN_DATASET_BYTES) {
            throw new IllegalArgumentException("--size must be at least 64M, got " + datasetBytes + " bytes");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be at least 1, got " + repeat);
        }
        ShapedLink.parseRate(rate);
        routes = Set.copyOf(routes);
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("--cases names no case");
        }
        if (!(updateFraction > 0 && updateFraction <= 1)) {
            throw new IllegalArgumentException("--update-fraction must be within (0, 1], got " + updateFraction);
        }
        siteJvmOptions = List.copyOf(siteJvmOptions);
        Objects.requireNonNull(siteJava, "--site-java");
        siteJava.ifPresent(java -> {
            if (!Files.isRegularFile(java) || !Files.isExecutable(java)) {
                throw new IllegalArgumentException("--site-java " + java + " is no executable file: give a java binary, "
                        + "e.g. one of /usr/lib/jvm/*/bin/java");
            }
        });
        if (maxPullRate < MIN_PULL_RATE) {
            throw new IllegalArgumentException("--max-pull-rate must be at least " + MIN_PULL_RATE
                    + " bytes per second, got " + maxPullRate);
        }
    }
}
