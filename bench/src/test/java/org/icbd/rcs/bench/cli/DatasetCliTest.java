package org.icbd.rcs.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code icbd dataset} on a plain temporary directory. */
class DatasetCliTest {

    @TempDir
    Path tmp;

    @Test
    void generatesThenUpdates() throws Exception {
        CliRun gen = CliRun.of("dataset", "generate", "--dir", tmp.toString(), "--files", "20", "--disk-size", "1M");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().startsWith("generated 20 files"), gen.out());
        assertEquals(1L << 20, Files.size(tmp.resolve("disk.img")));
        CliRun upd = CliRun.of("dataset", "update", "--dir", tmp.toString(), "--fraction", "0.5");
        assertEquals(0, upd.exitCode(), upd.err());
        assertTrue(upd.out().contains("5 modified"), upd.out());
    }

    @Test
    void badSizesAndFractionsAreUsageErrors() {
        CliRun size = CliRun.of("dataset", "generate", "--dir", tmp.toString(), "--disk-size", "1001");
        assertEquals(2, size.exitCode());
        assertTrue(size.err().contains("multiple of 4096"), size.err());
        CliRun fraction = CliRun.of("dataset", "update", "--dir", tmp.toString(), "--fraction", "2");
        assertEquals(2, fraction.exitCode());
        assertTrue(CliRun.of("dataset", "generate", "--help").out().contains("Example"));
    }
}
