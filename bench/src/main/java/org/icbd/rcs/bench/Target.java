package org.icbd.rcs.bench;

import java.util.Objects;

/**
 * A goal the figures are held against; reported, never asserted. A target whose cases were not
 * run is left out of the report (never reported as missed).
 *
 * @param name   a stable identifier, e.g. {@code loopback-none-full-x-raw}
 * @param value  the measured figure the goal is about, in the goal's unit (a ratio, CPU-seconds per GB, MiB)
 * @param goal   what should hold, in words, with the bound
 * @param met    whether it held
 * @param detail the figures behind the value, in words
 */
public record Target(String name, double value, String goal, boolean met, String detail) {

    public Target {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(goal, "goal");
        Objects.requireNonNull(detail, "detail");
    }
}
