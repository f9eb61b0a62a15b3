package org.icbd.rcs.bench.fuzz;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.random.RandomGenerator;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.HookReport;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;

/**
 * Valid events of every record type a topic carries, drawn at random (seeded), as the starting
 * points of the fuzzer's mutations. {@link #replicaId} and {@link #image} name the pair the poison
 * records of a live fleet address, so that its consumers do read them.
 */
final class EventSamples {

    /** One record type as its topic's serde reads it. */
    enum Kind {
        IMAGE_VERSION_PUBLISHED(Topics.IMAGE_VERSIONS),
        IMAGE_VERSION_RETIRED(Topics.IMAGE_VERSIONS),
        REPLICA_REGISTERED(Topics.REPLICAS),
        REPLICA_IMAGE_STATE(Topics.REPLICA_STATE),
        REPLICATION_TASK(Topics.REPLICATION_TASKS),
        REPLICATION_STATUS(Topics.REPLICATION_STATUS),
        DEAD_LETTER(Topics.DEAD_LETTERS);

        final Topic<String, ?> topic;

        Kind(Topic<String, ?> topic) {
            this.topic = topic;
        }

        String label() {
            return topic.name() + " " + switch (this) {
                case IMAGE_VERSION_PUBLISHED -> "ImageVersionPublished";
                case IMAGE_VERSION_RETIRED -> "ImageVersionRetired";
                case REPLICA_REGISTERED -> "ReplicaRegistered";
                case REPLICA_IMAGE_STATE -> "ReplicaImageState";
                case REPLICATION_TASK -> "ReplicationTask";
                case REPLICATION_STATUS -> "ReplicationStatus";
                case DEAD_LETTER -> "DeadLetter";
            };
        }
    }

    private final RandomGenerator random;
    private final String replicaId;
    private final String image;

    EventSamples(RandomGenerator random, String replicaId, String image) {
        this.random = random;
        this.replicaId = replicaId;
        this.image = image;
    }

    /** The key a consumer of the kind's topic expects for this sample's pair. */
    String key(Kind kind) {
        return switch (kind) {
            case IMAGE_VERSION_PUBLISHED, IMAGE_VERSION_RETIRED -> image;
            case REPLICA_REGISTERED, REPLICATION_TASK -> replicaId;
            case REPLICA_IMAGE_STATE, REPLICATION_STATUS, DEAD_LETTER -> replicaId + "/" + image;
        };
    }

    Object next(Kind kind) {
        return switch (kind) {
            case IMAGE_VERSION_PUBLISHED -> {
                int v = version();
                boolean delta = v > 1 && random.nextBoolean();
                yield ImageVersionPublished.of(image, v, uuid(), delta ? Optional.of(1 + random.nextInt(v - 1))
                        : Optional.empty(), delta ? Optional.of(uuid()) : Optional.empty(),
                        random.nextLong(1L << 40), instant(), "master");
            }
            case IMAGE_VERSION_RETIRED -> ImageVersionRetired.of(image, version(), uuid(), instant(), "master");
            case REPLICA_REGISTERED -> ReplicaRegistered.of(replicaId, "lab-" + random.nextInt(1000),
                    List.of(new Subscription(image, 1 + random.nextInt(5)), new Subscription(image + "-b", 2)),
                    "icbd", "SHA256:" + uuid(), "icbd-rcs 0.1.0",
                    random.nextBoolean() ? Optional.of(Compression.LZ4) : Optional.empty(), instant());
            case REPLICA_IMAGE_STATE -> {
                List<HeldVersion> held = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 1; i <= n; i++) {
                    held.add(new HeldVersion(i, uuid()));
                }
                Optional<StepReport> last = switch (random.nextInt(3)) {
                    case 0 -> Optional.empty();
                    case 1 -> Optional.of(StepReport.applied(replicaId + "/" + image + "/1", 1 + n, 4096, 12)
                            .withHook(HookReport.succeeded(3)));
                    default -> Optional.of(StepReport.failed(replicaId + "/" + image + "/2", 1 + n,
                            ErrorClass.TRANSIENT, "connection lost", 10, 5));
                };
                Optional<TransferProgress> transfer = random.nextBoolean() ? Optional.empty()
                        : Optional.of(new TransferProgress(replicaId + "/" + image + "/3", n + 1,
                        n > 0 ? Optional.of(n) : Optional.empty(), 1000, 500, instant()));
                yield ReplicaImageState.of(replicaId, image, held, last, transfer, instant());
            }
            case REPLICATION_TASK -> {
                int from = random.nextInt(3);
                List<TransferStep> steps = new ArrayList<>();
                int count = 1 + random.nextInt(3);
                for (int v = from + 1; v <= from + count; v++) {
                    steps.add(v == 1 ? TransferStep.full(v, uuid()) : TransferStep.delta(v - 1, uuid(), v, uuid()));
                }
                List<Integer> expect = from == 0 ? List.of() : List.of(from);
                yield ReplicationTask.of(replicaId + "/" + image + "/" + (1 + random.nextInt(1000)), replicaId, image,
                        expect, steps, random.nextBoolean() ? Compression.LZ4 : Compression.NONE, instant());
            }
            case REPLICATION_STATUS -> ReplicationStatus.of(replicaId, "lab-1", image, Optional.of(3), List.of(1, 2),
                    List.of(3), ReplicationState.values()[random.nextInt(ReplicationState.values().length)], 1,
                    Optional.of(instant()), random.nextBoolean() ? Optional.of("stalled") : Optional.empty(),
                    Optional.empty(), instant());
            case DEAD_LETTER -> DeadLetter.of(Topics.REPLICATION_TASKS.name(), random.nextInt(3), random.nextInt(1000),
                    random.nextBoolean() ? "not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)
                            : new byte[] {(byte) 0xff, 0, 1}, "ReplicationTask: not JSON", "planner", instant());
        };
    }

    private int version() {
        return 1 + random.nextInt(random.nextInt(10) == 0 ? Integer.MAX_VALUE - 1 : 20);
    }

    private String uuid() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private Instant instant() {
        return Instant.ofEpochSecond(1_700_000_000L + random.nextInt(100_000_000), random.nextInt(1_000_000_000));
    }
}
