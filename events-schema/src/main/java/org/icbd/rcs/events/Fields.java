package org.icbd.rcs.events;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Validation rules shared by every event's compact constructor. Each check names the field it
 * rejects, so a bad record produces a message an operator can act on.
 */
public final class Fields {

    /** An image (iMI) name, and equally a replica id or site name: lower-case, no path characters. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** Canonical lower-case UUID text, as btrfs prints it. */
    public static final Pattern UUID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private Fields() {
    }

    /** Valid iff {@code value} matches {@link #NAME}; ".." and "." are excluded by the pattern's first character. */
    public static String name(String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (!isName(value)) {
            throw new IllegalArgumentException(field + " '" + abbreviate(value)
                    + "' is not a valid name: use 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit");
        }
        return value;
    }

    /**
     * True iff {@code value} matches {@link #NAME}. Written out rather than matched: every event
     * read at fleet scale checks several names, and the regex was a tenth of the planner's time.
     */
    public static boolean isName(String value) {
        int n = value.length();
        if (n < 1 || n > 64 || !lowerOrDigit(value.charAt(0))) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = value.charAt(i);
            if (!lowerOrDigit(c) && c != '.' && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** True iff {@code value} matches {@link #UUID}; written out for the reason {@link #isName} is. */
    public static boolean isUuid(String value) {
        if (value.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = value.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean lowerOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    public static int version(int value, String field) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be a positive integer, got " + value);
        }
        return value;
    }

    public static String uuid(String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (!isUuid(value)) {
            throw new IllegalArgumentException(field + " '" + abbreviate(value)
                    + "' is not a canonical lower-case UUID");
        }
        return value;
    }

    public static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must not be negative, got " + value);
        }
        return value;
    }

    public static String nonBlank(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing or blank");
        }
        return value;
    }

    public static <T> T present(T value, String field) {
        return Objects.requireNonNull(value, () -> field + " is missing");
    }

    /** Null becomes empty: a missing optional JSON field and an explicit null mean the same. */
    public static <T> Optional<T> optional(Optional<T> value) {
        return value == null ? Optional.empty() : value;
    }

    /** An immutable copy; null becomes the empty list. Elements must not be null. */
    public static <T> List<T> list(List<T> value, String field) {
        if (value == null) {
            return List.of();
        }
        for (T element : value) {
            if (element == null) {
                throw new IllegalArgumentException(field + " contains a null element");
            }
        }
        return List.copyOf(value);
    }

    public static <T> List<T> nonEmptyList(List<T> value, String field) {
        List<T> copy = list(value, field);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        return copy;
    }

    public static int schemaVersion(int value, int known, String type) {
        if (value != known) {
            throw new IllegalArgumentException(type + ".schemaVersion " + value
                    + " is not supported (this build reads " + known + ")");
        }
        return value;
    }

    static String abbreviate(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
