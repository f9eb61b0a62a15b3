package org.icbd.rcs.replica.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamStatTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Test
    void parsesTheMastersLine() {
        assertEquals(new StreamStat(1234, SHA), StreamStat.parse("length=1234 sha256=" + SHA + "\n"));
        assertEquals(new StreamStat(0, SHA), StreamStat.parse("length=0 sha256=" + SHA));
        assertEquals("length=1234 sha256=" + SHA, new StreamStat(1234, SHA).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "length=12", "sha256=" + SHA, "length=-1 sha256=" + SHA, "length=01 sha256=" + SHA,
            "length=1 sha256=ABC", "sha256=" + SHA + " length=1", "length=1  sha256=" + SHA})
    void refusesAnythingElse(String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StreamStat.parse(line));
        assertEquals(true, e.getMessage().contains("length=<n> sha256=<hex>"), e.getMessage());
    }
}
