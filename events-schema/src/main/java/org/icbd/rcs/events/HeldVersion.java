package org.icbd.rcs.events;

/**
 * A version present in a replica's {@code versions/} directory.
 *
 * @param receivedUuid the subvolume's btrfs {@code received_uuid}: the master's uuid of that version
 */
public record HeldVersion(int version, String receivedUuid) {

    public HeldVersion {
        Fields.version(version, "versions.version");
        Fields.uuid(receivedUuid, "versions.receivedUuid");
    }
}
