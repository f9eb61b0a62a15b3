package org.icbd.rcs.testkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code java -jar <jar> <args>} run, as an admin's script sees it: exit code, stdout and stderr
 * (stdin empty). Fails the test when the run does not end within 60 s.
 */
public record JarRun(int exit, String out, String err) {

    public static JarRun of(Path jar, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString()));
        argv.addAll(List.of(args));
        Path out = Files.createTempFile("icbd-jar-run-", ".out");
        Path err = Files.createTempFile("icbd-jar-run-", ".err");
        try {
            Process p = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("java -jar " + jar + " " + String.join(" ", args) + " did not end within 60 s");
            }
            return new JarRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
