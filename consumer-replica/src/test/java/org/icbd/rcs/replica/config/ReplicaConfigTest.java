package org.icbd.rcs.replica.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.replica.handoff.PostApplyCommand;
import org.icbd.rcs.replica.service.ReplicaApplication;
import org.icbd.rcs.testkit.TestKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Binding (Micronaut) and validation: a bad setting stops the replica with a message naming it. */
class ReplicaConfigTest {

    @TempDir
    Path dir;

    private final KeyPair master = TestKeys.generate();
    private final KeyPair replica = TestKeys.generate();
    private Map<String, Object> properties;

    @BeforeEach
    void validProperties() throws IOException {
        Path pool = Files.createDirectories(dir.resolve("pool"));
        Path hostKey = Files.writeString(dir.resolve("master.pub"), TestKeys.publicLine(master) + "\n");
        Path privateKey = TestKeys.writePrivate(replica, dir.resolve("replica_key"));
        properties = new HashMap<>(Map.of(
                "icbd.replica.id", "lab-110-a",
                "icbd.replica.site", "lab-110",
                "icbd.replica.pool", pool.toString(),
                "icbd.replica.subscriptions", List.of("ubuntu:3", "win11"),
                "icbd.replica.master.host", "127.0.0.1",
                "icbd.replica.master.host-key-file", hostKey.toString(),
                "icbd.replica.ssh.private-key-file", privateKey.toString()));
    }

    private ReplicaConfig bind(Map<String, Object> props) {
        try (ApplicationContext context = ReplicaApplication.contextBuilder().properties(props).start()) {
            return context.getBean(ReplicaSettings.class).checkConfig();
        }
    }

    @Test
    void defaultsApplyAndValuesAreTyped() {
        ReplicaConfig c = bind(properties);
        assertEquals("lab-110-a", c.replicaId());
        assertEquals(List.of(new Subscription("ubuntu", 3), new Subscription("win11", ReplicaSettings.DEFAULT_KEEP)),
                c.subscriptions());
        assertEquals(ReplicaSettings.DEFAULT_HEARTBEAT_INTERVAL, c.heartbeatInterval());
        assertEquals(ReplicaSettings.DEFAULT_PROGRESS_INTERVAL, c.progressInterval());
        assertEquals(Compression.LZ4, c.compression());
        assertEquals(ReplicaSettings.DEFAULT_RESUME_MAX_AGE, c.resumeMaxAge());
        assertEquals(java.util.OptionalLong.empty(), c.maxPullRate());
        assertEquals(ReplicaSettings.Kafka.DEFAULT_BOOTSTRAP_SERVERS, c.kafka().bootstrapServers());
        assertEquals("icbd-replica-lab-110-a", c.groupId());
        assertEquals(ReplicaSettings.Master.DEFAULT_PORT, c.master().port());
        assertEquals(master.getPublic(), c.master().hostKey());
        assertEquals(replica.getPublic(), c.master().identity().getPublic());
        assertEquals(ReplicaSettings.Retry.DEFAULT_MAX_ATTEMPTS, c.backoff().maxAttempts());
        assertEquals(ReplicaSettings.Ssh.DEFAULT_USER, c.master().user());
        assertEquals(Optional.empty(), c.postApply(), "no hook unless one is configured");
    }

    @Test
    void aPostApplyHookBindsAsAnArgumentList() throws IOException {
        Path hook = Files.writeString(dir.resolve("reload-exports"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-x---"));
        properties.put("icbd.replica.post-apply.command", List.of(hook.toString(), "--image dir", "-v"));
        PostApplyCommand c = bind(properties).postApply().orElseThrow();
        assertEquals(List.of(hook.toString(), "--image dir", "-v"), c.argv(), "each element one argument, no shell");
        assertEquals(ReplicaSettings.PostApply.DEFAULT_TIMEOUT, c.timeout());

        properties.put("icbd.replica.post-apply.timeout", "5s");
        assertEquals(Duration.ofSeconds(5), bind(properties).postApply().orElseThrow().timeout());

        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rw-r-----"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> bind(properties));
        assertEquals("icbd.replica.post-apply.command", e.setting());
        assertTrue(e.getMessage().contains("not an executable file"), e.getMessage());
    }

    @Test
    void overridesBind() {
        properties.put("icbd.replica.heartbeat-interval", "250ms");
        properties.put("icbd.replica.retry.initial-backoff", "100ms");
        properties.put("icbd.replica.retry.max-attempts", "9");
        properties.put("icbd.replica.compression", "none");
        properties.put("icbd.replica.resume-max-age", "2h");
        properties.put("icbd.replica.max-pull-rate", "12500000");
        properties.put("icbd.replica.kafka.bootstrap-servers", "127.0.0.1:19092");
        properties.put("icbd.replica.master.port", "2345");
        properties.put("icbd.replica.subscriptions", "ubuntu:1,debian:4");
        properties.put("icbd.replica.kafka.properties.security.protocol", "PLAINTEXT");
        ReplicaConfig c = bind(properties);
        assertEquals(Map.of("security.protocol", "PLAINTEXT"), c.kafka().properties());
        assertEquals(Duration.ofMillis(250), c.heartbeatInterval());
        assertEquals(Duration.ofMillis(100), c.backoff().initial());
        assertEquals(9, c.backoff().maxAttempts());
        assertEquals(Compression.NONE, c.compression());
        assertEquals(Duration.ofHours(2), c.resumeMaxAge());
        assertEquals(java.util.OptionalLong.of(12_500_000), c.maxPullRate());
        assertEquals("127.0.0.1:19092", c.kafka().bootstrapServers());
        assertEquals(2345, c.master().port());
        assertEquals(Map.of("ubuntu", 1, "debian", 4), c.keepByImage());
    }

    @Test
    void theTransportIsSshUnlessSetToTcp() {
        assertEquals(org.icbd.rcs.transfer.Transport.SSH, bind(properties).master().transport());
        properties.put("icbd.replica.master.transport", "tcp");
        assertEquals(org.icbd.rcs.transfer.Transport.TCP, bind(properties).master().transport());
    }

    @Test
    void zstdIsALinkPreference() {
        properties.put("icbd.replica.compression", "zstd");
        assertEquals(Compression.ZSTD, bind(properties).compression());
    }

    @Test
    void anInlineKnownHostsLinePins() {
        properties.remove("icbd.replica.master.host-key-file");
        properties.put("icbd.replica.master.host-key", "[127.0.0.1]:2222 " + TestKeys.publicLine(master));
        assertEquals(master.getPublic(), bind(properties).master().hostKey());
    }

    @ParameterizedTest(name = "{0}={1} is refused")
    @CsvSource(delimiter = '|', value = {
            "icbd.replica.id                    | <remove>     | icbd.replica.id",
            "icbd.replica.id                    | Lab A        | icbd.replica.id",
            "icbd.replica.site                  | <remove>     | icbd.replica.site",
            "icbd.replica.pool                  | /nonexistent | icbd.replica.pool",
            "icbd.replica.subscriptions         | ubuntu:0     | icbd.replica.subscriptions",
            "icbd.replica.subscriptions         | ubuntu,ubuntu:2 | icbd.replica.subscriptions",
            "icbd.replica.subscriptions         | ../etc:2     | icbd.replica.subscriptions",
            "icbd.replica.default-keep          | 0            | icbd.replica.default-keep",
            "icbd.replica.heartbeat-interval    | 0s           | icbd.replica.heartbeat-interval",
            "icbd.replica.compression           | lzma         | icbd.replica.compression",
            "icbd.replica.resume-max-age        | -1s          | icbd.replica.resume-max-age",
            "icbd.replica.max-pull-rate         | 10           | icbd.replica.max-pull-rate",
            "icbd.replica.master.host           | <remove>     | icbd.replica.master.host",
            "icbd.replica.master.port           | 0            | icbd.replica.master.port",
            "icbd.replica.master.transport      | udp          | icbd.replica.master.transport",
            "icbd.replica.master.host-key-file  | <remove>     | icbd.replica.master.host-key-file",
            "icbd.replica.master.host-key-file  | /nonexistent | icbd.replica.master.host-key-file",
            "icbd.replica.ssh.private-key-file  | <remove>     | icbd.replica.ssh.private-key-file",
            "icbd.replica.ssh.private-key-file  | /etc/hostname | icbd.replica.ssh.private-key-file",
            "icbd.replica.ssh.stall-timeout     | 0s           | icbd.replica.ssh.stall-timeout",
            "icbd.replica.retry.max-attempts    | 0            | icbd.replica.retry.max-attempts",
            "icbd.replica.retry.max-backoff     | 10ms         | icbd.replica.retry.max-backoff",
            "icbd.replica.kafka.bootstrap-servers | kafka1     | icbd.replica.kafka.bootstrap-servers",
            "icbd.replica.kafka.properties.acks | 1            | icbd.replica.kafka.properties.acks",
            "icbd.replica.kafka.properties.isolation.level | read_uncommitted | icbd.replica.kafka.properties.isolation.level",
            "icbd.replica.post-apply.command    | exportfs     | icbd.replica.post-apply.command",
            "icbd.replica.post-apply.command    | /etc         | icbd.replica.post-apply.command",
            "icbd.replica.post-apply.command    | /nonexistent/reload | icbd.replica.post-apply.command",
            "icbd.replica.post-apply.timeout    | 0s           | icbd.replica.post-apply.timeout",
    })
    void badSettingsAreNamed(String name, String value, String named) {
        if (value.equals("<remove>")) {
            properties.remove(name);
        } else {
            properties.put(name, value);
        }
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> bind(properties));
        assertEquals(named, e.setting(), e.getMessage());
        assertTrue(e.getMessage().startsWith(named + ": "), e.getMessage());
    }

    @Test
    void bothHostKeySettingsAreRefused() {
        properties.put("icbd.replica.master.host-key", TestKeys.publicLine(master));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> bind(properties));
        assertTrue(e.getMessage().contains("exactly one"), e.getMessage());
    }

    @Test
    void aHostKeyFileForAnotherHostIsRefused() throws IOException {
        Files.writeString(Path.of((String) properties.get("icbd.replica.master.host-key-file")),
                "[elsewhere]:2222 " + TestKeys.publicLine(master) + "\n");
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> bind(properties));
        assertEquals("icbd.replica.master.host-key-file", e.setting());
    }

    @Test
    void aReplicaContextHoldsNoOtherServicesBeans() {
        // producer-master is on this test classpath, as every service is in the icbd jar.
        try (ApplicationContext context = ReplicaApplication.contextBuilder().properties(properties).start()) {
            assertTrue(context.containsBean(ReplicaSettings.class));
            assertTrue(!context.containsBean(org.icbd.rcs.master.service.MasterSettings.class),
                    "the master's settings exist only in the master's context");
            assertTrue(!context.containsBean(org.icbd.rcs.master.service.MasterService.class));
        }
    }
}
