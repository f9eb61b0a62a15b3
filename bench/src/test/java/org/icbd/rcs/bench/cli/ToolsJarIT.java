package org.icbd.rcs.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
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
        Run help = java("--help");
        assertEquals(0, help.exit(), help.err());
        for (String command : List.of("publish", "master", "replica", "status", "demo", "bench", "dataset")) {
            assertTrue(help.out().lines().anyMatch(l -> l.strip().startsWith(command + " ")), command + ":\n" + help.out());
        }
        Run typo = java("retier", "--version");
        assertEquals(2, typo.exit(), typo.out());
        assertTrue(typo.err().contains("unknown subcommand 'retier'"), typo.err());
        assertEquals(0, java("bench", "--help").exit());
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run java(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", JAR.toString()));
        argv.addAll(List.of(args));
        Path out = Files.createTempFile("icbd-tools-it-", ".out");
        Path err = Files.createTempFile("icbd-tools-it-", ".err");
        try {
            Process p = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("java -jar " + JAR + " " + String.join(" ", args) + " did not end within 60 s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
