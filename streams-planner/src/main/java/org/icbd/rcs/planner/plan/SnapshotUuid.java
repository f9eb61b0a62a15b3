package org.icbd.rcs.planner.plan;

import java.util.Locale;
import java.util.Objects;
import org.icbd.rcs.events.Fields;

/**
 * A btrfs subvolume UUID in canonical form: 8-4-4-4-12 hexadecimal digits, as printed by
 * {@code btrfs subvolume show}.
 *
 * <p>Upper-case input is accepted and stored lower-cased, so two values are equal iff they name
 * the same UUID. The nil UUID ({@link #NIL}) is a valid value: btrfs uses it for "no
 * received_uuid", and a replica's subvolume that was not received from anywhere carries it.
 * Whether nil is acceptable is decided where it is used (a master snapshot always has a real
 * uuid; see {@link MasterVersion}).
 *
 * @param value the canonical, lower-case text of the UUID
 */
public record SnapshotUuid(String value) {

    /** The all-zero UUID: btrfs's "none". */
    public static final SnapshotUuid NIL = new SnapshotUuid("00000000-0000-0000-0000-000000000000");

    /** Validates and lower-cases {@code value}; rejects anything but 8-4-4-4-12 hex digits. */
    public SnapshotUuid {
        value = canonical("uuid", value);
    }

    /**
     * Parses {@code text} as the UUID held in the field {@code field}, so that a bad value is
     * reported under the name the caller knows it by (for example {@code receivedUuid}).
     *
     * @throws IllegalArgumentException naming {@code field} when {@code text} is not canonical
     */
    public static SnapshotUuid parse(String field, String text) {
        return new SnapshotUuid(canonical(field, text));
    }

    /** True iff this is the nil UUID, btrfs's "none". */
    public boolean isNil() {
        return equals(NIL);
    }

    @Override
    public String toString() {
        return value;
    }

    private static String canonical(String field, String text) {
        Objects.requireNonNull(text, () -> field + " must not be null");
        String lower = text.toLowerCase(Locale.ROOT);
        if (!Fields.isUuid(lower)) {
            throw new IllegalArgumentException(
                    field + " must be a canonical UUID (8-4-4-4-12 hex digits), was '" + text + "'");
        }
        return lower;
    }
}
