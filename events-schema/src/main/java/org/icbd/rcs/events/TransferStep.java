package org.icbd.rcs.events;

import java.util.Optional;

/**
 * One transfer: a full send of {@code version}, or a delta from {@code parentVersion}.
 *
 * @param uuid       the master's uuid of {@code version}: the received uuid the replica must verify
 * @param parentUuid the master's uuid of the parent: the replica finds its parent by this received uuid
 */
public record TransferStep(int version, String uuid, Optional<Integer> parentVersion, Optional<String> parentUuid) {

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
