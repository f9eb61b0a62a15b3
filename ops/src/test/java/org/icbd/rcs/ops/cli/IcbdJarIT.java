package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.icbd.rcs.testkit.JarRun;
import org.junit.jupiter.api.Test;

/**
 * The jar ops/icbd runs for the services ({@code ops/target/icbd.jar}, shaded at {@code package},
 * before Failsafe runs): operator commands only, no test framework and no tooling, and it runs.
 */
class IcbdJarIT {

    private static final Path JAR = Path.of("target", "icbd.jar").toAbsolutePath();
    private static final List<String> FORBIDDEN = List.of("org/junit/", "org/opentest4j/", "org/icbd/rcs/testkit/",
            "org/icbd/rcs/bench/", "org/icbd/rcs/ops/bench/", "org/icbd/rcs/ops/dataset/", "org/icbd/rcs/ops/fleet/",
            "org/icbd/rcs/ops/cli/DemoCommand", "org/icbd/rcs/ops/cli/BenchCommand",
            "org/icbd/rcs/ops/cli/DatasetCommand", "log4j2-test.xml");

    @Test
    void holdsNoTestFrameworkAndNoTooling() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is built by 'package' before the integration tests");
        List<String> offending = new ArrayList<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (ZipEntry entry : Collections.list(jar.entries())) {
                if (FORBIDDEN.stream().anyMatch(entry.getName()::startsWith)) {
                    offending.add(entry.getName());
                }
            }
            assertEquals(Icbd.class.getName(), jar.getManifest().getMainAttributes().getValue("Main-Class"));
            assertTrue(jar.getEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") != null,
                    "the services log through log4j, not to slf4j's no-op logger");
        }
        assertEquals(List.of(), offending.subList(0, Math.min(20, offending.size())),
                offending.size() + " entries of " + JAR + " do not belong in the services' jar");
    }

    @Test
    void runsAndTellsBadUsageFromAVersionRequest() throws Exception {
        JarRun help = java("--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().contains("publish") && help.out().contains("replica") && help.out().contains("planner"),
                help.out());

        JarRun version = java("--version");
        assertEquals(0, version.exit(), version.err());
        assertTrue(version.out().strip().matches("icbd-rcs \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), version.out());

        JarRun typo = java("retier", "--image", "x", "--version", "3");
        assertEquals(2, typo.exit(), typo.out());
        assertTrue(typo.err().contains("unknown subcommand 'retier'"), typo.err());
        assertTrue(typo.out().isEmpty(), "nothing on stdout: " + typo.out());

        JarRun tooling = java("demo");
        assertEquals(2, tooling.exit(), "demo is not in the services' jar: " + tooling.out());
    }

    private static JarRun java(String... args) throws Exception {
        return JarRun.of(JAR, args);
    }
}
