package org.icbd.rcs.master.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.service.MasterApplication;
import org.icbd.rcs.master.service.MasterService;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.TestPool;

/**
 * A master site for the master's own ITs: a real btrfs pool with its image repository, a replica
 * key listed in the master's authorized keys, the settings {@code icbd master serve} takes, and
 * the service started in-process ({@link MasterApplication#run}) with its HTTP API on a free port.
 * {@link #close} stops the service, detaches the pool and deletes the files, also after a failure.
 */
public final class InProcessMaster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path tmp;
    private final TestPool pool;
    private final ImageRepository repository;
    private final ClientKeys keys;
    private final HttpClient http = HttpClient.newHttpClient();
    private ApplicationContext context;

    private InProcessMaster(Path tmp, TestPool pool, ClientKeys keys) {
        this.tmp = tmp;
        this.pool = pool;
        this.repository = new ImageRepository(pool.root(), new CommandRunner());
        this.keys = keys;
    }

    /** A fresh pool named {@code name} and a replica key; the service is not started yet. */
    public static InProcessMaster create(String name) throws IOException {
        Path tmp = Files.createTempDirectory("icbd-" + name + "-it-");
        TestPool pool = null;
        try {
            pool = TestPool.create(name);
            ClientKeys keys = ClientKeys.generate(tmp.resolve("keys"), "replica");
            Files.writeString(tmp.resolve("authorized_keys"), keys.authorizedKeyLine() + "\n");
            return new InProcessMaster(tmp, pool, keys);
        } catch (IOException | RuntimeException e) {
            try {
                if (pool != null) {
                    pool.close();
                }
            } finally {
                TestPool.delete(tmp);
            }
            throw e;
        }
    }

    /** The settings of a master named {@code hq} on this pool, listening on loopback, free ports. */
    public Map<String, Object> settings(String bootstrapServers) {
        Map<String, Object> p = new HashMap<>();
        p.put("icbd.master.pool", pool.root().toString());
        p.put("icbd.master.name", "hq");
        p.put("icbd.master.ssh-host", "127.0.0.1");
        p.put("icbd.master.ssh-port", 0);
        p.put("icbd.master.host-key-file", tmp.resolve("host_key").toString());
        p.put("icbd.master.authorized-keys-file", tmp.resolve("authorized_keys").toString());
        p.put("icbd.master.kafka.bootstrap-servers", bootstrapServers);
        p.put("icbd.master.http-port", -1);
        return p;
    }

    /** Starts the service with {@code settings}; {@link #close} stops it unless the caller did. */
    public ApplicationContext start(Map<String, Object> settings) {
        if (context != null) {
            throw new IllegalStateException("the master is already running");
        }
        context = MasterApplication.run(settings);
        return context;
    }

    public ApplicationContext context() {
        return context;
    }

    public MasterService service() {
        return context.getBean(MasterService.class);
    }

    /** The HTTP API's base address, {@code http://127.0.0.1:<port>}. */
    public String base() {
        return "http://127.0.0.1:" + context.getBean(EmbeddedServer.class).getPort();
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET {@code path}, which must answer 200 with JSON. */
    public JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"),
                r.headers().toString());
        return JSON.readTree(r.body());
    }

    public Path tmp() {
        return tmp;
    }

    public TestPool pool() {
        return pool;
    }

    public ImageRepository repository() {
        return repository;
    }

    /** The replica key the master's authorized keys list. */
    public ClientKeys keys() {
        return keys;
    }

    @Override
    public void close() {
        try {
            if (context != null && context.isRunning()) {
                context.close();
            }
        } finally {
            try {
                pool.close();
            } finally {
                TestPool.delete(tmp);
            }
        }
    }
}
