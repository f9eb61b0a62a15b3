package org.icbd.rcs.localkafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.icbd.rcs.localkafka.LocalKafkaMain.Options;
import org.icbd.rcs.localkafka.LocalKafkaMain.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocalKafkaMainTest {

    @Test
    void noArgumentsMeanEphemeralPortsAndATemporaryDirectory() {
        assertEquals(new Options(1, 0, 0, Optional.empty(), false), Options.parse());
    }

    @Test
    void everyOptionIsRead() {
        assertEquals(new Options(1, 9092, 9093, Optional.of(Path.of("/var/tmp/kafka")), false),
                Options.parse("--port", "9092", "--controller-port", "9093", "--data-dir", "/var/tmp/kafka"));
        assertEquals(new Options(3, 9092, 9192, Optional.empty(), false),
                Options.parse("--brokers", "3", "--port", "9092", "--controller-port", "9192"));
    }

    @Test
    void helpWinsOverEverythingElse() {
        assertTrue(Options.parse("--port", "9092", "--help").help());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--port                           | --port needs a value",
            "--port --data-dir /x             | --port needs a value",
            "--port abc                       | --port must be a port number 1-65535, got 'abc'",
            "--port 0                         | --port must be a port number 1-65535, got 0",
            "--controller-port 70000          | --controller-port must be a port number 1-65535, got 70000",
            "--port 9092 --controller-port 9092 | --port and --controller-port must differ, both are 9092",
            "--brokers 3 --port 9092 --controller-port 9094 | --port 9092 and --controller-port 9094 overlap for 3 nodes (each takes 3 consecutive ports)",
            "--brokers 3 --port 65534         | --port 65534 leaves no room for 3 nodes (ports 65534-65536)",
            "--brokers 0                      | --brokers must be a number 1-9, got 0",
            "--brokers three                  | --brokers must be a number 1-9, got 'three'",
            "--brokers                        | --brokers needs a value",
            "--verbose                        | unknown argument '--verbose'",
            "9092                             | unknown argument '9092'",
    })
    void badArgumentsAreRejectedWithAMessageNamingThem(String commandLine, String message) {
        UsageException e = assertThrows(UsageException.class, () -> Options.parse(commandLine.split(" ")));
        assertEquals(message, e.getMessage());
    }
}
