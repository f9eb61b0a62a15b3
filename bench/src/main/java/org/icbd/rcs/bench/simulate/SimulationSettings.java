package org.icbd.rcs.bench.simulate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one simulation runs. Valid iff the counts are positive, each replica subscribes to at most
 * {@code images} images, and the durations are positive.
 *
 * @param replicas          simulated replicas
 * @param images            images, each published {@code versions} times, all images at once
 * @param sites             sites the replicas are spread over (round robin)
 * @param versions          versions published per image, one round after another
 * @param planners          planner instances (child JVMs, one application id)
 * @param imagesPerReplica  the images each replica subscribes to (consecutive, from its index)
 * @param heartbeatInterval as the replica's {@code icbd.replica.heartbeat-interval}
 * @param offlineAfter      the planners' {@code --offline-after}
 * @param stepDelayMin      the shortest simulated step (drawn per step, uniform)
 * @param stepDelayMax      the longest simulated step
 * @param idleWindow        how long heartbeats alone run before the first version, for idle CPU
 * @param roundTimeout      how long one round of versions may take to converge
 * @param plannerHeap       the planners' {@code -Xmx}
 * @param plannerJvmOptions more options for each planner JVM, after the heap (e.g. a flight recording)
 * @param bootstrap         an existing cluster (its topics ensured); empty: a local broker is started
 * @param workDir           logs, planner state and the local broker's data
 * @param seed              the step delays' random seed
 */
public record SimulationSettings(int replicas, int images, int sites, int versions, int planners,
                                 int imagesPerReplica, Duration heartbeatInterval, Duration offlineAfter,
                                 Duration stepDelayMin, Duration stepDelayMax, Duration idleWindow,
                                 Duration roundTimeout, String plannerHeap, List<String> plannerJvmOptions,
                                 Optional<String> bootstrap,
                                 Path workDir, long seed) {

    public static final int DEFAULT_IMAGES_PER_REPLICA = 3;
    /** The replica's own default heartbeat interval. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_OFFLINE_AFTER = Duration.ofSeconds(30);
    public static final Duration DEFAULT_STEP_DELAY_MIN = Duration.ofMillis(200);
    public static final Duration DEFAULT_STEP_DELAY_MAX = Duration.ofSeconds(2);
    public static final Duration DEFAULT_IDLE_WINDOW = Duration.ofSeconds(20);
    public static final Duration DEFAULT_ROUND_TIMEOUT = Duration.ofMinutes(5);

    public SimulationSettings {
        positive(replicas, "replicas");
        positive(images, "images");
        positive(sites, "sites");
        positive(versions, "versions");
        positive(planners, "planners");
        positive(imagesPerReplica, "images per replica");
        if (imagesPerReplica > images) {
            throw new IllegalArgumentException("each replica subscribes to " + imagesPerReplica
                    + " images, but there are only " + images + " (--images)");
        }
        positive(heartbeatInterval, "heartbeat interval");
        positive(offlineAfter, "offline-after");
        positive(stepDelayMin, "step delay");
        if (stepDelayMax.compareTo(stepDelayMin) < 0) {
            throw new IllegalArgumentException("the longest step delay must not be shorter than the shortest");
        }
        positive(idleWindow, "idle window");
        positive(roundTimeout, "round timeout");
        Objects.requireNonNull(plannerHeap, "planner heap");
        plannerJvmOptions = List.copyOf(plannerJvmOptions);
        bootstrap = bootstrap == null ? Optional.empty() : bootstrap;
        Objects.requireNonNull(workDir, "work dir");
    }

    /** The defaults of {@code icbd simulate} for that fleet. */
    public static SimulationSettings of(int replicas, int images, int sites, int versions, int planners,
                                        Path workDir) {
        return new SimulationSettings(replicas, images, sites, versions, planners, DEFAULT_IMAGES_PER_REPLICA,
                DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_OFFLINE_AFTER, DEFAULT_STEP_DELAY_MIN, DEFAULT_STEP_DELAY_MAX,
                DEFAULT_IDLE_WINDOW, DEFAULT_ROUND_TIMEOUT, "768m", List.of(), Optional.empty(), workDir, 1);
    }

    public SimulationSettings withBootstrap(String value) {
        return new SimulationSettings(replicas, images, sites, versions, planners, imagesPerReplica,
                heartbeatInterval, offlineAfter, stepDelayMin, stepDelayMax, idleWindow, roundTimeout, plannerHeap,
                plannerJvmOptions, Optional.of(value), workDir, seed);
    }

    public SimulationSettings withIdleWindow(Duration value) {
        return new SimulationSettings(replicas, images, sites, versions, planners, imagesPerReplica,
                heartbeatInterval, offlineAfter, stepDelayMin, stepDelayMax, value, roundTimeout, plannerHeap,
                plannerJvmOptions, bootstrap, workDir, seed);
    }

    public SimulationSettings withRoundTimeout(Duration value) {
        return new SimulationSettings(replicas, images, sites, versions, planners, imagesPerReplica,
                heartbeatInterval, offlineAfter, stepDelayMin, stepDelayMax, idleWindow, value, plannerHeap,
                plannerJvmOptions, bootstrap, workDir, seed);
    }

    public SimulationSettings withPlannerHeap(String value) {
        return new SimulationSettings(replicas, images, sites, versions, planners, imagesPerReplica,
                heartbeatInterval, offlineAfter, stepDelayMin, stepDelayMax, idleWindow, roundTimeout, value,
                plannerJvmOptions, bootstrap, workDir, seed);
    }

    public SimulationSettings withPlannerJvmOptions(List<String> value) {
        return new SimulationSettings(replicas, images, sites, versions, planners, imagesPerReplica,
                heartbeatInterval, offlineAfter, stepDelayMin, stepDelayMax, idleWindow, roundTimeout, plannerHeap,
                value, bootstrap, workDir, seed);
    }

    /** Subscribed (replica, image) pairs. */
    public long pairs() {
        return (long) replicas * imagesPerReplica;
    }

    private static void positive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
    }

    private static void positive(Duration value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }
}
