package org.icbd.rcs.events;

import java.util.Optional;

/**
 * One transfer: a full send of {@code version}, or a delta from {@code parentVersion}.
 *
 * @param uuid       the master's uuid of {@code version}: the received uuid the replica must verify
 * @param parentUuid the master's uuid of the parent: the replica finds its parent by this received uuid
 * @param source     where to pull it from: {@link Sources#MASTER} or the id of a replica of the same site
 *                   that holds {@code version} and its parent; absent means the master (a step written
 *                   before site peers existed). The replica follows it only when the id is in its own
 *                   list of trusted sources, and pulls from the master otherwise
 */
public record TransferStep(int version, String uuid, Optional<Integer> parentVersion, Optional<String> parentUuid,
                           Optional<String> source) {

    public TransferStep {
        Fields.version(version, "steps.version");
        Fields.uuid(uuid, "steps.uuid");
        parentVersion = Fields.optional(parentVersion);
        parentUuid = Fields.optional(parentUuid);
        parentVersion.ifPresent(p -> Fields.version(p, "steps.parentVersion"));
        parentUuid.ifPresent(p -> Fields.uuid(p, "steps.parentUuid"));
        if (parentVersion.isPresent() != parentUuid.isPresent()) {
            throw new IllegalArgumentException("steps.parentVersion and steps.parentUuid must be both present or both absent");
        }
        if (parentVersion.isPresent() && parentVersion.get() >= version) {
            throw new IllegalArgumentException("steps.parentVersion " + parentVersion.get()
                    + " must be older than steps.version " + version);
        }
        source = Fields.optional(source);
        source.ifPresent(s -> Fields.name(s, "steps.source"));
    }

    /** A step without a named source: pulled from the master. */
    public TransferStep(int version, String uuid, Optional<Integer> parentVersion, Optional<String> parentUuid) {
        this(version, uuid, parentVersion, parentUuid, Optional.empty());
    }

    /** This step, pulled from {@code sourceId} ({@link Sources#MASTER} or a peer replica's id). */
    public TransferStep from(String sourceId) {
        return new TransferStep(version, uuid, parentVersion, parentUuid, Optional.of(sourceId));
    }

    /** The id of the source to pull from: {@link Sources#MASTER} when none is named. */
    public String sourceId() {
        return Sources.orMaster(source);
    }

    public static TransferStep full(int version, String uuid) {
        return new TransferStep(version, uuid, Optional.empty(), Optional.empty());
    }

    public static TransferStep delta(int parentVersion, String parentUuid, int version, String uuid) {
        return new TransferStep(version, uuid, Optional.of(parentVersion), Optional.of(parentUuid));
    }

    public boolean isFull() {
        return parentVersion.isEmpty();
    }
}
