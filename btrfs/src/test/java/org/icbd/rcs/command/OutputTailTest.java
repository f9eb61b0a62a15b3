package org.icbd.rcs.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputTailTest {

    @Test
    void shortOutputIsKeptWholeWithoutTrailingNewline() {
        OutputTail tail = new OutputTail(1024, 10);
        write(tail, "ERROR: short read\n");
        assertEquals("ERROR: short read", tail.text());
    }

    @Test
    void emptyOutputIsEmpty() {
        assertEquals("", new OutputTail(16, 2).text());
    }

    @Test
    void keepsOnlyTheLastLines() {
        OutputTail tail = new OutputTail(1024, 3);
        write(tail, "1\n2\n3\n4\n5\n");
        assertEquals("3\n4\n5", tail.text());
    }

    @Test
    void dropsTheLineThatTheByteBoundCut() {
        OutputTail tail = new OutputTail(10, 50);
        write(tail, "aaaaaaaa\nbbbb\ncccc\n");
        // The last 10 bytes are "bbb\ncccc\n" plus one 'b': "bbbb" is cut, so only "cccc" is whole.
        assertEquals("cccc", tail.text());
    }

    @Test
    void aSingleWriteLargerThanTheBufferKeepsItsEnd() {
        OutputTail tail = new OutputTail(8, 50);
        write(tail, "0123456789\nabcdef\n");
        assertEquals("abcdef", tail.text());
    }

    @Test
    void matchesANaiveTailForRandomChunking() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            int maxBytes = 1 + random.nextInt(64);
            int maxLines = 1 + random.nextInt(6);
            StringBuilder all = new StringBuilder();
            OutputTail tail = new OutputTail(maxBytes, maxLines);
            int chunks = random.nextInt(20);
            for (int c = 0; c < chunks; c++) {
                String chunk = randomText(random, random.nextInt(40));
                all.append(chunk);
                write(tail, chunk);
            }
            assertEquals(naiveTail(all.toString(), maxBytes, maxLines), tail.text(),
                    "round " + round + " bytes=" + maxBytes + " lines=" + maxLines + " text=" + all);
        }
    }

    @Test
    void neverExceedsItsBounds() {
        OutputTail tail = new OutputTail(1024, 50);
        for (int i = 0; i < 10_000; i++) {
            write(tail, "line " + i + " " + "x".repeat(i % 70) + "\n");
        }
        String text = tail.text();
        assertTrue(text.getBytes(StandardCharsets.UTF_8).length <= 1024, text);
        assertTrue(text.lines().count() <= 50, text);
        assertTrue(text.endsWith("line 9999 " + "x".repeat(9999 % 70)), text);
    }

    private static String naiveTail(String all, int maxBytes, int maxLines) {
        String text = all;
        if (all.length() > maxBytes) {
            text = all.substring(all.length() - maxBytes);
            int newline = text.indexOf('\n');
            text = newline < 0 ? "" : text.substring(newline + 1);
        }
        text = text.stripTrailing();
        List<String> lines = Arrays.asList(text.split("\n", -1));
        if (text.isEmpty() || lines.size() <= maxLines) {
            return text;
        }
        return String.join("\n", lines.subList(lines.size() - maxLines, lines.size()));
    }

    private static String randomText(Random random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(random.nextInt(5) == 0 ? '\n' : (char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static void write(OutputTail tail, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        tail.write(bytes, 0, bytes.length);
    }
}
