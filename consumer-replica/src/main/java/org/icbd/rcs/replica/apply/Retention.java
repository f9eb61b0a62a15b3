package org.icbd.rcs.replica.apply;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.icbd.rcs.events.HeldVersion;

/**
 * Which versions to delete so that at most {@code keep} of the newest remain. Pure.
 *
 * <p>The newest version is never chosen: it is the parent of the next delta, and {@code keep >= 1}
 * keeps it in the kept window.
 */
public final class Retention {

    private Retention() {
    }

    /** The versions to delete, oldest first; empty when {@code held} has at most {@code keep}. */
    public static List<HeldVersion> toDelete(List<HeldVersion> held, int keep) {
        Objects.requireNonNull(held, "held");
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1 (the newest is the next parent), got " + keep);
        }
        List<HeldVersion> ascending = held.stream()
                .sorted((a, b) -> Integer.compare(a.version(), b.version()))
                .collect(Collectors.toList());
        int excess = ascending.size() - keep;
        return excess <= 0 ? List.of() : List.copyOf(ascending.subList(0, excess));
    }
}
