package org.icbd.rcs.command;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The last bytes a process wrote to one of its outputs, bounded both in bytes and in lines.
 *
 * <p>Written by one drain thread while other threads may read it: every access is synchronized.
 * Invariant: {@code buffer} holds the last {@code min(written, buffer.length)} bytes, oldest at
 * {@code next} once the buffer has wrapped.
 */
final class OutputTail {
    private final byte[] buffer;
    private final int maxLines;
    private int next;
    private long written;

    OutputTail(int maxBytes, int maxLines) {
        if (maxBytes < 1 || maxLines < 1) {
            throw new IllegalArgumentException("maxBytes and maxLines must be positive, got "
                    + maxBytes + " and " + maxLines);
        }
        this.buffer = new byte[maxBytes];
        this.maxLines = maxLines;
    }

    synchronized void write(byte[] bytes, int offset, int length) {
        if (length >= buffer.length) {
            System.arraycopy(bytes, offset + length - buffer.length, buffer, 0, buffer.length);
            next = 0;
        } else {
            int first = Math.min(length, buffer.length - next);
            System.arraycopy(bytes, offset, buffer, next, first);
            System.arraycopy(bytes, offset + first, buffer, 0, length - first);
            next = (next + length) % buffer.length;
        }
        written += length;
    }

    /**
     * The tail as text: at most {@code maxLines} lines, without a trailing newline. When older output was
     * dropped, the first (cut) line is dropped too, so that every line shown is whole.
     */
    synchronized String text() {
        byte[] ordered;
        if (written <= buffer.length) {
            ordered = Arrays.copyOf(buffer, (int) written);
        } else {
            ordered = new byte[buffer.length];
            System.arraycopy(buffer, next, ordered, 0, buffer.length - next);
            System.arraycopy(buffer, 0, ordered, buffer.length - next, next);
        }
        String text = new String(ordered, StandardCharsets.UTF_8);
        if (written > buffer.length) {
            int firstNewline = text.indexOf('\n');
            text = firstNewline < 0 ? "" : text.substring(firstNewline + 1);
        }
        text = text.stripTrailing();
        // Walk back over maxLines newlines; the text after the last one passed is the tail.
        int start = text.length();
        for (int lines = 0; lines < maxLines; lines++) {
            start = text.lastIndexOf('\n', start - 1);
            if (start < 0) {
                return text;
            }
        }
        return text.substring(start + 1);
    }
}
