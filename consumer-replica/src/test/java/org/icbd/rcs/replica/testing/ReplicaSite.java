package org.icbd.rcs.replica.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.replica.service.ReplicaApplication;
import org.icbd.rcs.testkit.TestKeys;

/**
 * A replica for tests: its own loop-mounted pool and key, and its settings pointing at a given
 * master and broker, with short intervals. {@link #start()} runs it in this JVM; {@link
 * #arguments()} gives the same settings to a child JVM.
 */
public final class ReplicaSite implements AutoCloseable {

    private final String id;
    private final LoopPool pool;
    private final KeyPair key;
    private final Path keyFile;
    private final Map<String, Object> properties = new LinkedHashMap<>();
    private ReplicaApplication running;

    private ReplicaSite(String id, LoopPool pool, KeyPair key, Path keyFile) {
        this.id = id;
        this.pool = pool;
        this.key = key;
        this.keyFile = keyFile;
    }

    /** Creates the replica's pool and key under {@code dir}; nothing runs yet. */
    public static ReplicaSite create(Path dir, String id, long poolBytes) throws IOException {
        Files.createDirectories(dir);
        LoopPool pool = LoopPool.create(dir.resolve(id + ".img"), dir.resolve(id), poolBytes);
        KeyPair key = TestKeys.generate();
        return new ReplicaSite(id, pool, key, TestKeys.writePrivate(key, dir.resolve(id + "_key")));
    }

    /** The line the master authorises. */
    public String publicKeyLine() {
        return TestKeys.publicLine(key);
    }

    /** Points the replica at a master and a broker, subscribing as given ({@code image:keep}). */
    public ReplicaSite configure(MasterSite master, String bootstrapServers, List<String> subscriptions) {
        properties.put("icbd.replica.id", id);
        properties.put("icbd.replica.site", "site-" + id);
        properties.put("icbd.replica.pool", pool.mountPoint().toString());
        properties.put("icbd.replica.subscriptions", String.join(",", subscriptions));
        properties.put("icbd.replica.kafka.bootstrap-servers", bootstrapServers);
        properties.put("icbd.replica.kafka.ack-timeout", "15s");
        properties.put("icbd.replica.master.host", "127.0.0.1");
        properties.put("icbd.replica.master.port", String.valueOf(master.port()));
        properties.put("icbd.replica.master.host-key", master.hostKeyLine());
        properties.put("icbd.replica.ssh.private-key-file", keyFile.toString());
        properties.put("icbd.replica.ssh.connect-timeout", "10s");
        properties.put("icbd.replica.ssh.stall-timeout", "20s");
        properties.put("icbd.replica.heartbeat-interval", "1s");
        properties.put("icbd.replica.progress-interval", "250ms");
        properties.put("icbd.replica.retry.initial-backoff", "200ms");
        properties.put("icbd.replica.retry.max-backoff", "1s");
        properties.put("icbd.replica.retry.max-attempts", "4");
        return this;
    }

    public ReplicaSite set(String name, Object value) {
        properties.put(name, value);
        return this;
    }

    public ReplicaSite start() {
        running = ReplicaApplication.run(properties);
        return this;
    }

    /** The running replica; null when it is not running. */
    public ReplicaApplication application() {
        return running;
    }

    /** Stops the replica gracefully (as SIGTERM would); the pool stays. */
    public void stop() {
        if (running != null) {
            running.close();
            running = null;
        }
    }

    /** The settings as {@code name=value} arguments for {@code ReplicaMain} in a child JVM. */
    public List<String> arguments() {
        return properties.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    public String id() {
        return id;
    }

    public Path root() {
        return pool.mountPoint();
    }

    public Path versionDir(String image, int version) {
        return root().resolve("images").resolve(image).resolve("versions").resolve(Integer.toString(version));
    }

    /** What is under {@code .incoming/} (recursively), as relative paths; empty when staging is clean. */
    public List<String> stagingEntries() throws IOException {
        Path incoming = root().resolve(".incoming");
        if (!Files.exists(incoming)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(incoming, 2)) {
            return walk.filter(p -> !p.equals(incoming) && !Files.isDirectory(p) || p.getNameCount()
                    - incoming.getNameCount() == 2).map(p -> incoming.relativize(p).toString()).toList();
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            pool.close();
        }
    }
}
