package org.icbd.rcs.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.icbd.rcs.testkit.JarRun;
import org.junit.jupiter.api.Test;

/** The tools jar ({@code bench/target/icbd-tools.jar}, shaded at {@code package}) runs every icbd subcommand and the tooling. */
class ToolsJarIT {

    private static final Path JAR = Path.of("target", "icbd-tools.jar").toAbsolutePath();

    @Test
    void offersTheOperatorCommandsAndTheToolingWithTheSameUsageChecks() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is built by 'package' before the integration tests");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertTrue(jar.getEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") != null,
                    "the tools log through log4j like the services, not to slf4j's no-op logger");
        }
        JarRun help = java("--help");
        assertEquals(0, help.exit(), help.err());
        for (String command : List.of("publish", "master", "replica", "status", "demo", "bench", "dataset")) {
            assertTrue(help.out().lines().anyMatch(l -> l.strip().startsWith(command + " ")), command + ":\n" + help.out());
        }
        JarRun typo = java("retier", "--version");
        assertEquals(2, typo.exit(), typo.out());
        assertTrue(typo.err().contains("unknown subcommand 'retier'"), typo.err());
        assertEquals(0, java("bench", "--help").exit());
    }

    private static JarRun java(String... args) throws Exception {
        return JarRun.of(JAR, args);
    }
}
