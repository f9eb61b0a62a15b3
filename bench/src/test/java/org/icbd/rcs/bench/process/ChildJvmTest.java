package org.icbd.rcs.bench.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildJvmTest {

    @TempDir
    Path dir;

    @Test
    void aChildThatDiesBeforeItIsReadyFailsTheWaitAtOnceWithItsLog() throws Exception {
        Path stale = dir.resolve("bad.ready");
        Files.writeString(stale, "pid=1\n");
        try (ChildJvm child = ChildJvm.services("bad", List.of("retier", "--version"))
                .logFile(dir.resolve("bad.log")).readyFile(stale).start()) {
            long started = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> child.awaitReady(Duration.ofMinutes(2)));
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMinutes(1)) < 0,
                    "it did not wait for the timeout");
            assertTrue(e.getMessage().contains("exited with status 2 before it was ready"), e.getMessage());
            assertTrue(e.getMessage().contains("unknown subcommand 'retier'"), e.getMessage());
            assertEquals(Optional.of(2), child.exitStatus());
        }
    }

    @Test
    void servicesRunFromTheNamedJarWhenGivenOne() {
        String before = System.getProperty(ChildJvm.SERVICES_JAR_PROPERTY);
        try {
            System.setProperty(ChildJvm.SERVICES_JAR_PROPERTY, dir.resolve("missing.jar").toString());
            IllegalStateException e = assertThrows(IllegalStateException.class, ChildJvm::servicesClasspath);
            assertTrue(e.getMessage().contains("missing.jar"), e.getMessage());
            System.clearProperty(ChildJvm.SERVICES_JAR_PROPERTY);
            assertEquals(System.getProperty("java.class.path"), ChildJvm.servicesClasspath());
        } finally {
            if (before != null) {
                System.setProperty(ChildJvm.SERVICES_JAR_PROPERTY, before);
            }
        }
    }
}
