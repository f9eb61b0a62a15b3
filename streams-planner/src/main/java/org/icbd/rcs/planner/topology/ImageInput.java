package org.icbd.rcs.planner.topology;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.PeerService;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topics;

/**
 * Everything the per-image planner consumes, keyed by image: one envelope type, so that three
 * inputs can be merged into one stream and read by one processor that owns every store of an
 * image. Two of them reach it through repartition topics, hence the JSON type tag.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "input")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ImageInput.VersionEvent.class, name = "version"),
        @JsonSubTypes.Type(value = ImageInput.Subscribed.class, name = "subscribed"),
        @JsonSubTypes.Type(value = ImageInput.Unsubscribed.class, name = "unsubscribed"),
        @JsonSubTypes.Type(value = ImageInput.Liveness.class, name = "liveness"),
        @JsonSubTypes.Type(value = ImageInput.StateReported.class, name = "state"),
        @JsonSubTypes.Type(value = ImageInput.StateCleared.class, name = "state-cleared")
})
public sealed interface ImageInput {

    /** The image this input is about; equal to the record's key. */
    String image();

    /**
     * Reads a raw record of {@code icbd.image-versions}, keyed by image; see {@link Intake.Reader}
     * for failures. A tombstone means nothing on that topic and is rejected.
     */
    static ImageInput readVersionEvent(String key, byte[] value) {
        Fields.name(key, "key");
        if (value == null) {
            throw new IllegalArgumentException("a null value (tombstone) means nothing on "
                    + Topics.IMAGE_VERSIONS.name() + ": versions are retired with ImageVersionRetired");
        }
        ImageVersionEvent event = Topics.IMAGE_VERSIONS.valueSerde().deserializer()
                .deserialize(Topics.IMAGE_VERSIONS.name(), value);
        if (!event.image().equals(key)) {
            throw new IllegalArgumentException("key '" + key + "' does not match image '" + event.image() + "'");
        }
        return new VersionEvent(event);
    }

    /**
     * Reads a raw record of {@code icbd.replica-state}, keyed {@code replicaId/image}; see
     * {@link Intake.Reader} for failures. A tombstone clears the pair's state; a state listing more
     * versions than {@code limits} allow is rejected.
     */
    static ImageInput readReplicaState(String key, byte[] value, InputLimits limits) {
        PairKey pair = PairKey.parse(key);
        if (value == null) {
            return new StateCleared(pair.replicaId(), pair.image());
        }
        ReplicaImageState state = Topics.REPLICA_STATE.valueSerde().deserializer()
                .deserialize(Topics.REPLICA_STATE.name(), value);
        if (!state.replicaId().equals(pair.replicaId()) || !state.image().equals(pair.image())) {
            throw new IllegalArgumentException("key '" + key + "' does not match replicaId '" + state.replicaId()
                    + "' and image '" + state.image() + "'");
        }
        if (state.versions().size() > limits.maxVersionsPerState()) {
            throw new IllegalArgumentException("the state lists " + state.versions().size() + " versions, more than"
                    + " icbd.planner.max-versions-per-state (" + limits.maxVersionsPerState() + ")");
        }
        return new StateReported(state);
    }

    /** A version was published or retired on the master. */
    record VersionEvent(ImageVersionEvent event) implements ImageInput {
        public VersionEvent {
            Objects.requireNonNull(event, "event is missing");
        }

        @Override
        public String image() {
            return event.image();
        }
    }

    /**
     * The replica subscribes to the image, as of its registration seen at {@code lastSeen}: sent
     * when the registration changes, never for a heartbeat. A registration is proof of life.
     *
     * @param compression the replica's announced preference; empty when it announced none (also
     *                    how a record written before the field existed reads)
     * @param serves      where the replica serves its site (site peers); empty: it does not (also how a
     *                    record written before the field existed reads)
     */
    record Subscribed(String replicaId, String image, String site, int keep, Optional<Compression> compression,
                      Instant lastSeen, Optional<PeerService> serves) implements ImageInput {

        /** A subscription of a replica that does not serve. */
        public Subscribed(String replicaId, String image, String site, int keep, Optional<Compression> compression,
                          Instant lastSeen) {
            this(replicaId, image, site, keep, compression, lastSeen, Optional.empty());
        }

        public Subscribed {
            Fields.name(replicaId, "replicaId");
            Fields.name(image, "image");
            Fields.name(site, "site");
            if (keep < 1) {
                throw new IllegalArgumentException("keep must be at least 1, got " + keep);
            }
            compression = Fields.optional(compression);
            Fields.present(lastSeen, "lastSeen");
            serves = Fields.optional(serves);
        }
    }

    /**
     * The replica's liveness changed, as judged by the partition's liveness clock: it fell silent
     * ({@code offline}) or was heard again.
     *
     * @param lastSeen its last heartbeat as heard (clamped to when it was processed)
     */
    record Liveness(String replicaId, String image, boolean offline, Instant lastSeen) implements ImageInput {
        public Liveness {
            Fields.name(replicaId, "replicaId");
            Fields.name(image, "image");
            Fields.present(lastSeen, "lastSeen");
        }
    }

    /** The replica dropped the subscription, or deregistered altogether. */
    record Unsubscribed(String replicaId, String image) implements ImageInput {
        public Unsubscribed {
            Fields.name(replicaId, "replicaId");
            Fields.name(image, "image");
        }
    }

    /** The replica reported what it holds of the image (read from its disk). */
    record StateReported(ReplicaImageState state) implements ImageInput {
        public StateReported {
            Objects.requireNonNull(state, "state is missing");
        }

        @Override
        public String image() {
            return state.image();
        }
    }

    /** The replica's state record for the image was deleted (a tombstone on the state topic). */
    record StateCleared(String replicaId, String image) implements ImageInput {
        public StateCleared {
            Fields.name(replicaId, "replicaId");
            Fields.name(image, "image");
        }
    }
}
