package org.icbd.rcs.bench;

/**
 * A goal the figures are held against; reported, never asserted.
 *
 * @param goal  what should hold, in words
 * @param value the measured figure, in words
 * @param met   whether it held
 */
public record Target(String goal, String value, boolean met) {
}
