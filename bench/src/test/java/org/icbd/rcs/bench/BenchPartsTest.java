package org.icbd.rcs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's pure parts: the site protocol, statistics, rates and case lists. */
class BenchPartsTest {

    @Test
    void siteRepliesRoundTrip() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("wire", 12L);
        fields.put("cipher", "aes128-gcm@openssh.com");
        SiteReply ok = SiteReply.ok(fields);
        assertEquals("ok wire=12 cipher=aes128-gcm@openssh.com", ok.render());
        assertEquals(ok, SiteReply.parse(ok.render()));
        assertEquals(12L, SiteReply.parse(ok.render()).number("wire"));
        SiteReply error = SiteReply.error("no\nway  out");
        assertEquals("error no way out", error.render());
        assertFalse(SiteReply.parse(error.render()).ok());
        assertFalse(SiteReply.parse("hello").ok());
        assertFalse(SiteReply.parse("ok what").ok());
        assertThrows(IllegalStateException.class, () -> ok.number("absent"));
    }

    @Test
    void spreadsHaveMediansAndRanges() {
        assertEquals(new Spread(2.0, 1.0, 9.0, 3), Spread.of(List.of(9.0, 1.0, 2.0)));
        assertEquals(new Spread(2.5, 1.0, 9.0, 4), Spread.of(List.of(9.0, 1.0, 2.0, 3.0)));
        assertEquals(new Spread(4.0, 4.0, 4.0, 1), Spread.of(List.of(4.0)));
        assertThrows(IllegalArgumentException.class, () -> Spread.of(List.of()));
    }

    @Test
    void ratesReadAsTcWritesThem() {
        assertEquals(1_000_000_000L, ShapedLink.parseRate("1gbit"));
        assertEquals(250_000_000L, ShapedLink.parseRate("250mbit"));
        assertEquals(2_500_000L, ShapedLink.parseRate("2500kbit"));
        assertEquals(1_500_000_000L, ShapedLink.parseRate("1.5Gbit"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ShapedLink.parseRate("1gb")).getMessage()
                .contains("--rate"));
        assertThrows(IllegalArgumentException.class, () -> ShapedLink.parseRate("100kbit"));
    }

    @Test
    void caseListsNameOnlyKnownCases() {
        assertEquals(EnumSet.of(Route.RAW, Route.LINK), Route.parseList("raw, link"));
        assertEquals(EnumSet.of(Route.FANOUT, Route.RESUME, Route.CAP), Route.parseList("fanout,resume,cap"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Route.parseList("raw,wan")).getMessage()
                .contains("'wan'"));
        assertThrows(IllegalArgumentException.class, () -> Route.parseList(" , "));
    }
}
