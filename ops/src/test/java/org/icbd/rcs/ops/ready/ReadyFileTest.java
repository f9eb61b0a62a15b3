package org.icbd.rcs.ops.ready;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadyFileTest {

    @TempDir
    Path dir;

    @Test
    void whatIsWrittenIsReadBackWithThePid() {
        ReadyFile file = new ReadyFile(dir.resolve("master.ready"));
        assertEquals(Optional.empty(), file.read());
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("ssh-port", 2222);
        facts.put("bootstrap", "127.0.0.1:9092");
        file.write(facts);
        Map<String, String> read = file.read().orElseThrow();
        assertEquals(Long.toString(ProcessHandle.current().pid()), read.get("pid"));
        assertEquals("2222", read.get("ssh-port"));
        assertEquals("127.0.0.1:9092", read.get("bootstrap"));
        assertFalse(Files.exists(dir.resolve("master.ready.tmp")), "no temporary file left");
        file.delete();
        assertEquals(Optional.empty(), file.read());
    }

    @Test
    void badKeysAndMultiLineValuesAreRefusedBeforeAnythingIsWritten() {
        ReadyFile file = new ReadyFile(dir.resolve("x.ready"));
        assertThrows(IllegalArgumentException.class, () -> file.write(Map.of("Port", 1)));
        assertThrows(IllegalArgumentException.class, () -> file.write(Map.of("port", "1\n2")));
        assertEquals(Optional.empty(), file.read());
    }
}
