package org.icbd.rcs.replica.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.replica.pull.TrustedSource;
import org.icbd.rcs.replica.serve.ServeConfig;
import org.icbd.rcs.replica.service.ReplicaApplication;
import org.icbd.rcs.testkit.TestKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code icbd.replica.serve.*} and {@code icbd.replica.peers}: bound from properties and YAML, checked. */
class PeerSettingsTest {

    @TempDir
    Path dir;

    private final KeyPair master = TestKeys.generate();
    private final KeyPair replica = TestKeys.generate();
    private final KeyPair peerB = TestKeys.generate();
    private final KeyPair peerC = TestKeys.generate();
    private Map<String, Object> properties;
    private Path peerCKeyFile;
    private Path authorizedKeys;

    @BeforeEach
    void validProperties() throws IOException {
        Path pool = Files.createDirectories(dir.resolve("pool"));
        Path hostKey = Files.writeString(dir.resolve("master.pub"), TestKeys.publicLine(master) + "\n");
        Path privateKey = TestKeys.writePrivate(replica, dir.resolve("replica_key"));
        peerCKeyFile = Files.writeString(dir.resolve("c.pub"), TestKeys.publicLine(peerC) + " icbd-replica-lab-c\n");
        authorizedKeys = Files.writeString(dir.resolve("authorized_keys"), TestKeys.publicLine(peerB) + "\n");
        properties = new HashMap<>(Map.of(
                "icbd.replica.id", "lab-a",
                "icbd.replica.site", "lab",
                "icbd.replica.pool", pool.toString(),
                "icbd.replica.master.host", "127.0.0.1",
                "icbd.replica.master.host-key-file", hostKey.toString(),
                "icbd.replica.ssh.private-key-file", privateKey.toString()));
    }

    private ReplicaConfig bind(Map<String, Object> props) {
        try (ApplicationContext context = ReplicaApplication.contextBuilder().properties(props).start()) {
            return context.getBean(ReplicaSettings.class).checkConfig();
        }
    }

    private static Map<String, Object> peer(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    @Test
    void byDefaultAReplicaNeitherServesNorTrustsAnyPeer() {
        ReplicaConfig c = bind(properties);
        assertEquals(Optional.empty(), c.serve());
        assertEquals(List.of(), c.peers());
    }

    @Test
    void peersBindAsAListOfMapsWithPinnedKeysInlineOrInAFile() {
        properties.put("icbd.replica.peers", List.of(
                peer("id", "lab-b", "host", "10.0.0.2", "port", 2223, "host-key", TestKeys.publicLine(peerB)),
                peer("id", "lab-c", "host", "10.0.0.3", "host-key-file", peerCKeyFile.toString())));
        ReplicaConfig c = bind(properties);
        assertEquals(List.of("lab-b", "lab-c"), c.peers().stream().map(TrustedSource::id).toList());
        TrustedSource b = c.peers().get(0);
        assertEquals("10.0.0.2", b.endpoint().host());
        assertEquals(2223, b.endpoint().port());
        assertEquals(peerB.getPublic(), b.endpoint().hostKey());
        TrustedSource cc = c.peers().get(1);
        assertEquals(ReplicaSettings.Serve.DEFAULT_PORT, cc.endpoint().port(), "the default port");
        assertEquals(peerC.getPublic(), cc.endpoint().hostKey());
        // Peers are pulled from with this replica's own identity and user, as the master is.
        assertEquals(c.master().identity(), cc.endpoint().identity());
        assertEquals(c.master().user(), cc.endpoint().user());
    }

    @Test
    void peersAndServeBindFromYamlAsTheConfigFileGivesThem() throws IOException {
        String yaml = """
                icbd:
                  replica:
                    serve:
                      enabled: true
                      host: 127.0.0.1
                      port: 0
                      host-key-file: %s
                      authorized-keys-file: %s
                      max-downstreams: 3
                    peers:
                      - id: lab-b
                        host: 10.0.0.2
                        port: 2224
                        host-key: "%s"
                      - id: lab-c
                        host: 10.0.0.3
                        host-key-file: %s
                """.formatted(dir.resolve("serve_host_key"), authorizedKeys, TestKeys.publicLine(peerB), peerCKeyFile);
        Map<String, Object> fromFile = new YamlPropertySourceLoader().read("replica.yml",
                new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
        properties.putAll(fromFile);
        ReplicaConfig c = bind(properties);
        assertEquals(List.of("lab-b", "lab-c"), c.peers().stream().map(TrustedSource::id).toList());
        assertEquals(2224, c.peers().get(0).endpoint().port());
        ServeConfig serve = c.serve().orElseThrow();
        assertEquals("127.0.0.1", serve.host());
        assertEquals(0, serve.port());
        assertEquals("127.0.0.1", serve.advertisedHost(), "a listen host that is not a wildcard is advertised");
        assertEquals(3, serve.maxDownstreams());
        assertEquals(6, serve.sendServerSettings().maxConcurrentSends(), "a stream and a stat per downstream");
        assertEquals("icbd", serve.user());
    }

    @Test
    void serveDefaultsAndAnAdvertisedHost() {
        properties.put("icbd.replica.serve.enabled", "true");
        properties.put("icbd.replica.serve.authorized-keys-file", authorizedKeys.toString());
        properties.put("icbd.replica.serve.advertised-host", "cache-a.lab");
        ServeConfig serve = bind(properties).serve().orElseThrow();
        assertEquals(ReplicaSettings.Serve.DEFAULT_HOST, serve.host());
        assertEquals(ReplicaSettings.Serve.DEFAULT_PORT, serve.port());
        assertEquals("cache-a.lab", serve.advertisedHost());
        assertEquals(Path.of(ReplicaSettings.Serve.DEFAULT_HOST_KEY_FILE), serve.hostKeyFile());
        assertEquals(ReplicaSettings.Serve.DEFAULT_MAX_DOWNSTREAMS, serve.maxDownstreams());
    }

    private InvalidSettingException rejected(Map<String, Object> props) {
        return assertThrows(InvalidSettingException.class, () -> bind(props));
    }

    @Test
    void badServeSettingsAreNamed() {
        properties.put("icbd.replica.serve.enabled", "true");
        properties.put("icbd.replica.serve.authorized-keys-file", dir.resolve("missing").toString());
        assertEquals("icbd.replica.serve.authorized-keys-file", rejected(properties).setting());

        properties.put("icbd.replica.serve.authorized-keys-file", authorizedKeys.toString());
        properties.put("icbd.replica.serve.max-downstreams", "0");
        assertEquals("icbd.replica.serve.max-downstreams", rejected(properties).setting());

        properties.put("icbd.replica.serve.max-downstreams", "2");
        properties.put("icbd.replica.serve.port", "70000");
        assertEquals("icbd.replica.serve.port", rejected(properties).setting());

        properties.put("icbd.replica.serve.port", "0");
        properties.put("icbd.replica.serve.user", "not a user");
        assertEquals("icbd.replica.serve.user", rejected(properties).setting());
    }

    @Test
    void badPeersAreNamedByTheirIndex() {
        String key = TestKeys.publicLine(peerB);
        Map<String, Object> good = peer("id", "lab-b", "host", "10.0.0.2", "host-key", key);
        List<Map.Entry<List<Map<String, Object>>, String>> cases = List.of(
                Map.entry(List.of(good, peer("id", "master", "host", "h", "host-key", key)), "icbd.replica.peers[1].id"),
                Map.entry(List.of(peer("id", "lab-a", "host", "h", "host-key", key)), "icbd.replica.peers[0].id"),
                Map.entry(List.of(good, good), "icbd.replica.peers[1].id"),
                Map.entry(List.of(peer("id", "Not A Name", "host", "h", "host-key", key)), "icbd.replica.peers[0].id"),
                Map.entry(List.of(peer("id", "lab-b", "host-key", key)), "icbd.replica.peers[0].host"),
                Map.entry(List.of(peer("id", "lab-b", "host", "h", "port", "x", "host-key", key)),
                        "icbd.replica.peers[0].port"),
                Map.entry(List.of(peer("id", "lab-b", "host", "h", "port", 0, "host-key", key)),
                        "icbd.replica.peers[0].port"),
                Map.entry(List.of(peer("id", "lab-b", "host", "h")), "icbd.replica.peers[0].host-key-file"),
                Map.entry(List.of(peer("id", "lab-b", "host", "h", "host-key", key, "host-key-file",
                        peerCKeyFile.toString())), "icbd.replica.peers[0].host-key-file"),
                Map.entry(List.of(peer("id", "lab-b", "host", "h", "host-key", "ssh-ed25519 garbage")),
                        "icbd.replica.peers[0].host-key"),
                Map.entry(List.of(peer("id", "lab-b", "host", "h", "host-key", key, "address", "10.0.0.9")),
                        "icbd.replica.peers[0].address"));
        for (Map.Entry<List<Map<String, Object>>, String> c : cases) {
            Map<String, Object> props = new HashMap<>(properties);
            props.put("icbd.replica.peers", c.getKey());
            InvalidSettingException e = rejected(props);
            assertEquals(c.getValue(), e.setting(), () -> c.getKey() + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith(c.getValue() + ": "), e.getMessage());
        }
    }
}
