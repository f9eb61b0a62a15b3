package org.icbd.rcs.bench.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service in a child JVM says it is ready through its ready file, and what it says is true. */
class ChildJvmIT {

    @TempDir
    Path dir;

    @Test
    void aBrokerAnnouncesItsBootstrapAddressOnceItServesAndStopsOnSigterm() throws Exception {
        ChildJvm kafka = ChildJvm.services("kafka", List.of("local-kafka", "--port", "0", "--partitions", "1"))
                .jvmOptions(List.of("-Xmx512m"))
                .logFile(dir.resolve("kafka.log")).readyFile(dir.resolve("kafka.ready")).start();
        try {
            Map<String, String> ready = kafka.awaitReady(Duration.ofMinutes(2));
            assertEquals(Long.toString(kafka.pid()), ready.get("pid"));
            String bootstrap = ready.get("bootstrap");
            assertTrue(bootstrap.startsWith("127.0.0.1:"), bootstrap);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("icbd.replicas"),
                        "the topics exist once it says it is ready");
            }
        } finally {
            kafka.stop();
        }
        assertFalse(kafka.isAlive());
    }
}
