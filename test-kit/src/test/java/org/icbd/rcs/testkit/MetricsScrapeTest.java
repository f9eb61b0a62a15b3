package org.icbd.rcs.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsScrapeTest {

    private static final String TEXT = """
            # HELP icbd_master_sends_total Transfer requests
            # TYPE icbd_master_sends_total counter
            icbd_master_sends_total{outcome="completed"} 2.0
            icbd_master_sends_total{outcome="failed"} 0.0
            icbd_replica_steps_total{error_class="none",outcome="applied"} 3.0
            icbd_master_served_bytes_total{compression="lz4",} 1.2345678E7
            icbd_master_channels_open 1.0
            weird{path="/a,b=\\"c\\""} 5
            """;

    @Test
    void readsNamesTagsAndValues() {
        MetricsScrape m = MetricsScrape.parse(TEXT);
        assertEquals(2, m.require("icbd_master_sends_total", "outcome", "completed"));
        assertEquals(0, m.require("icbd_master_sends_total", "outcome", "failed"));
        assertEquals(3, m.require("icbd_replica_steps_total", "outcome", "applied", "error_class", "none"));
        assertEquals(12_345_678L, (long) m.require("icbd_master_served_bytes_total", "compression", "lz4"));
        assertEquals(1, m.require("icbd_master_channels_open"));
        assertEquals(5, m.require("weird"));
        assertEquals(6, m.samples().size());
    }

    @Test
    void aMissingSampleIsZeroForValueAndAFailureForRequire() {
        MetricsScrape m = MetricsScrape.parse(TEXT);
        assertEquals(0, m.value("icbd_master_sends_total", "outcome", "busy"));
        assertTrue(m.find("nothing").isEmpty());
        AssertionError e = assertThrows(AssertionError.class, () -> m.require("nothing"));
        assertTrue(e.getMessage().contains("icbd_master_channels_open"), "shows the scrape");
    }
}
