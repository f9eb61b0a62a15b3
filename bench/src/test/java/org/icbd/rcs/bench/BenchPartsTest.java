package org.icbd.rcs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        assertEquals(EnumSet.of(Route.OPENSSH, Route.BTRBK), Route.parseList("openssh,btrbk"));
        assertTrue(Route.OPENSSH.isPeer() && !Route.OPENSSH.isSystem() && !Route.RAW.isSystem()
                && Route.LOOPBACK.isSystem());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Route.parseList("raw,wan")).getMessage()
                .contains("'wan'"));
        assertThrows(IllegalArgumentException.class, () -> Route.parseList(" , "));
    }

    /** One measured case with one sample: {@code seconds}, the stream, CPU by group, RSS by site. */
    private static CaseResult result(String name, String step, double seconds, long wire, long stream,
                                     Optional<Double> ratio, Map<String, Double> cpu, Map<String, Long> rss) {
        Sample sample = new Sample(seconds, wire, stream, Map.of(), rss, cpu, Optional.empty(), Optional.empty());
        return new CaseResult(name, name.split(" ")[0], "none", step, Spread.of(List.of(seconds)), wire, stream,
                stream / seconds / 1e6, ratio, rss, Map.of(), cpu, Optional.empty(), List.of(sample));
    }

    @Test
    void targetsComeFromTheCasesRunAndNameTheirFigures() {
        long gb = 1_000_000_000L;
        List<CaseResult> cases = List.of(
                result(Bench.RAW_FLUSHED, "full", 4.0, gb, gb, Optional.empty(), Map.of(), Map.of()),
                result("loopback none", "full", 4.8, gb, gb, Optional.of(1.2),
                        Map.of("master", 1.0, "master children", 0.5, "replica", 1.5, "replica children", 0.5),
                        Map.of("master", 200L << 20, "replica", 600L << 20)),
                result("openssh", "full", 4.0, gb, gb, Optional.of(1.0), Map.of(), Map.of()),
                result("btrbk", "full", 9.6, gb, gb, Optional.of(2.4), Map.of(), Map.of()),
                result("link lz4", "full", 5.0, gb / 2, gb, Optional.empty(), Map.of(), Map.of()));
        Map<String, Target> byName = new LinkedHashMap<>();
        Bench.targets(cases, 50_000_000L, Map.of(), Map.of(), Optional.of(Map.of("probeMBps", 110.0)))
                .forEach(t -> byName.put(t.name(), t));

        assertEquals(List.of("loopback-none-full-x-raw", "btrbk-full-speedup", "openssh-full-ratio",
                "loopback-full-cpu-s-per-gb", "link-lz4-full-x-wire-floor", "master-jvm-peak-rss-mib",
                "replica-jvm-peak-rss-mib"), List.copyOf(byName.keySet()),
                "a target whose cases were not run (delta, btrbk-lz4) is left out");
        assertEquals(1.2, byName.get("loopback-none-full-x-raw").value(), 1e-9);
        assertTrue(byName.get("loopback-none-full-x-raw").met());
        assertEquals(2.0, byName.get("btrbk-full-speedup").value(), 1e-9);
        assertTrue(byName.get("btrbk-full-speedup").met());
        assertEquals(1.2, byName.get("openssh-full-ratio").value(), 1e-9);
        assertFalse(byName.get("openssh-full-ratio").met());
        assertEquals(3.5, byName.get("loopback-full-cpu-s-per-gb").value(), 1e-9);
        assertTrue(byName.get("loopback-full-cpu-s-per-gb").met());
        // Half a GB at 110 MB/s is a floor of 4.545 s; 5 s is 1.1x it.
        assertEquals(1.1, byName.get("link-lz4-full-x-wire-floor").value(), 1e-9);
        assertFalse(byName.get("replica-jvm-peak-rss-mib").met());
        assertTrue(byName.get("master-jvm-peak-rss-mib").met());
        assertTrue(Bench.targets(List.of(), 50_000_000L, Map.of(), Map.of(), Optional.empty()).isEmpty());
    }

    private static SiteReply pulled(String source, long wire, long stream) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("wire", wire);
        fields.put("stream", stream);
        fields.put("source", source);
        return SiteReply.parse(SiteReply.ok(fields).render());
    }

    @Test
    void aSiteServedGroupsTheReplicasWireBytesBySource() {
        SiteServed plain = SiteServed.of(List.of(pulled("master", 1000, 990), pulled("master", 1001, 990),
                pulled("master", 1000, 990), pulled("master", 1002, 990)));
        assertEquals(Map.of("master", 4003L), plain.wireBySource());
        assertEquals(990, plain.streamBytes());
        assertTrue(plain.peers().isEmpty());
        SiteServed peer = SiteServed.of(List.of(pulled("master", 1000, 990), pulled("replica-fanout-1", 1000, 990),
                pulled("replica-fanout-1", 1001, 990), pulled("replica-fanout-1", 1000, 990)));
        assertEquals(1000, peer.master());
        assertEquals(Map.of("replica-fanout-1", 3001L), peer.peers());
        assertEquals(1000 / 990.0, peer.masterStreams(), 1e-9);
        // One stream is the master's: a received snapshot's stream is a few bytes longer.
        assertEquals(990, SiteServed.of(List.of(pulled("replica-fanout-1", 1070, 1060), pulled("master", 1000, 990)))
                .streamBytes());
        assertEquals(1060, SiteServed.of(List.of(pulled("replica-fanout-1", 1080, 1070),
                pulled("replica-fanout-1", 1070, 1060))).streamBytes());
        assertThrows(IllegalArgumentException.class, () -> SiteServed.of(List.of()));
    }

    @Test
    void theMastersBytesPerSiteAreOneStreamThroughAPeerAndFanoutsWithout() {
        long stream = 1_000_000;
        List<SiteServed> throughPeer = List.of(
                new SiteServed(Map.of("master", 1_010_000L, "replica-fanout-1", 3_030_000L), stream),
                new SiteServed(Map.of("master", 1_020_000L, "replica-fanout-1", 3_030_000L), stream),
                new SiteServed(Map.of("master", 1_100_000L, "replica-fanout-1", 3_030_000L), stream));
        List<SiteServed> plain = List.of(new SiteServed(Map.of("master", 4_040_000L), stream));
        Target t = SiteServed.masterBytesPerSite(throughPeer, plain, 4).orElseThrow();
        assertEquals("fanout-master-bytes-per-site", t.name());
        assertEquals(1_020_000, t.value(), 1e-9, "the median measurement's master bytes");
        assertTrue(t.met(), t.toString());
        assertTrue(t.detail().contains("peer replica-fanout-1 3030000 bytes (3.03x)"), t.detail());
        assertTrue(t.detail().contains("plain fanout 4: the master 4040000 bytes (4.04x)"), t.detail());
        // The plain fanout alone is no measurement through a peer; a master serving each replica misses the goal.
        assertTrue(SiteServed.masterBytesPerSite(List.of(), plain, 4).isEmpty());
        assertFalse(SiteServed.masterBytesPerSite(plain, List.of(), 4).orElseThrow().met());
        assertThrows(IllegalArgumentException.class, () -> new SiteServed(Map.of(), 0));

        Map<String, List<SiteServed>> served = Map.of("fanout peer 4", throughPeer, "fanout 4", plain);
        assertEquals(List.of("fanout-master-bytes-per-site"), Bench.targets(List.of(), 50_000_000L, Map.of(), served,
                Optional.empty()).stream().map(Target::name).toList());
    }
}
