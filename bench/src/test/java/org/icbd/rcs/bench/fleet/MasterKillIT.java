package org.icbd.rcs.bench.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.stream.StreamKey;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.replica.pull.HostKeyPin;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestPool;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master service ({@code icbd master serve} in a JVM of its own) killed with SIGKILL while it
 * produces a stored stream: the crash leaves {@code <pool>/.streams/<image>/<name>.part}; at the
 * next start that file is deleted, as is a data file without its {@code .meta} (a crash between the
 * rename and the sidecar), and neither is ever served: a pull after the restart gets the whole,
 * correct stream, produced anew, which {@code btrfs receive} turns into the version byte for byte.
 */
class MasterKillIT {

    private static final String IMAGE = "killed";
    private static final Duration READY = Duration.ofMinutes(2);
    /** zstd at its slowest: production takes seconds, so the kill lands in the middle of it. */
    private static final String SLOW_ZSTD = "19";

    @TempDir
    Path work;

    private Fleet fleet;
    private TestPool receiver;
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void tearDown() {
        if (receiver != null) {
            receiver.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void aStreamWhoseProductionWasKilledIsDeletedAtTheNextStartAndAPullGetsTheWholeStream() throws Exception {
        fleet = new Fleet(new Fleet.Settings(work, 1L << 30, READY, "256m", Duration.ofSeconds(15)));
        fleet.startKafka();
        fleet.startMaster(List.of("--zstd-level", SLOW_ZSTD));
        Path workTree = fleet.initImage(IMAGE);
        DatasetGenerator.generate(workTree, DatasetSpec.ofTotal(7, 64L << 20));
        ImageVersionPublished v1 = fleet.publish(IMAGE);
        KeyPair identity = identity(fleet.authorizeClient("puller"));
        Path streams = fleet.masterPool().resolve(ImageRepository.STREAMS).resolve(IMAGE);
        String zstdName = new StreamKey(IMAGE, v1.version(), Optional.empty(), Compression.ZSTD).fileName();
        Path part = streams.resolve(zstdName + StreamStore.PART);

        // A pull starts the production; the master is killed once the stored stream has some bytes.
        Thread puller = new Thread(() -> {
            try (SshExec ssh = new SshExec(hostKey(), fleet.sshPort())) {
                ssh.exec(identity, request(v1.version(), "zstd"), in -> in.transferTo(java.io.OutputStream.nullOutputStream()),
                        line -> { });
            } catch (Exception | AssertionError e) {
                // The master dies under this pull: its failure is the point.
            }
        }, "master-kill-puller");
        puller.setDaemon(true);
        puller.start();
        await("the master stores the first bytes of the zstd stream in " + part).atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(20)).until(() -> Files.isRegularFile(part) && Files.size(part) > 0);
        fleet.end(Fleet.MASTER_NAME, true);
        puller.join(Duration.ofMinutes(1).toMillis());
        assertTrue(Files.isRegularFile(part), "the killed production left " + part + ": " + listing(streams));
        assertFalse(Files.exists(streams.resolve(zstdName)), "the killed production never completed: "
                + listing(streams));
        long partBytes = Files.size(part);
        // A data file whose sidecar was never written (a crash between the rename and the .meta): junk here.
        String lz4Name = new StreamKey(IMAGE, v1.version(), Optional.empty(), Compression.LZ4).fileName();
        Path noMeta = streams.resolve(lz4Name);
        Files.write(noMeta, "not a stream of anything".getBytes(StandardCharsets.UTF_8));

        fleet.restart(Fleet.MASTER_NAME);
        assertFalse(Files.exists(part), "the next start deletes the incomplete " + part + " (" + partBytes
                + " bytes): " + listing(streams));
        assertFalse(Files.exists(noMeta), "the next start deletes " + noMeta + ", which has no .meta: "
                + listing(streams));
        assertEquals(0, storedStreams().size(), "nothing stored is listed before a request: " + storedStreams());

        byte[] raw = pull(identity, request(v1.version(), "none"));
        byte[] zstd = pull(identity, request(v1.version(), "zstd"));
        byte[] lz4 = pull(identity, request(v1.version(), "lz4"));
        assertArrayEquals(raw, decode(Compression.ZSTD, zstd), "the zstd stream after the restart is the whole stream");
        assertArrayEquals(raw, decode(Compression.LZ4, lz4), "the lz4 stream is produced, not the file without .meta");
        for (String codec : List.of("none", "zstd", "lz4")) {
            byte[] bytes = switch (codec) {
                case "none" -> raw;
                case "zstd" -> zstd;
                default -> lz4;
            };
            String stat = new String(pull(identity, "icbd-stat/1 image=" + IMAGE + " version=" + v1.version()
                    + compress(codec)), StandardCharsets.UTF_8);
            assertEquals("length=" + bytes.length + " sha256=" + sha256(bytes) + "\n", stat, codec);
        }
        for (JsonNode s : storedStreams()) {
            assertTrue(s.get("complete").asBoolean(), s.toString());
            assertEquals(1, s.get("sends").asInt(), "one btrfs send per stream after the restart: " + s);
        }
        // The budget (a tenth of the pool's free space) may have evicted the largest, the raw one.
        assertTrue(Stream.of(storedStreams()).flatMap(a -> java.util.stream.StreamSupport.stream(a.spliterator(), false))
                        .anyMatch(s -> s.get("compression").asText().equals("zstd")),
                "the zstd stream produced anew is stored: " + storedStreams());

        // The stream carries the version: received, it is the master's snapshot byte for byte.
        receiver = TestPool.create("master-kill-receiver");
        BtrfsTool btrfs = new BtrfsTool(new CommandRunner(), Duration.ofMinutes(5));
        Path into = Files.createDirectories(receiver.root().resolve("incoming"));
        btrfs.receive(into, new ByteArrayInputStream(raw));
        Path received = into.resolve(Integer.toString(v1.version()));
        Trees.assertSameTree(fleet.masterPool().resolve("images").resolve(IMAGE).resolve("versions")
                .resolve(Integer.toString(v1.version())), received);
        assertEquals(Optional.of(UUID.fromString(v1.uuid())), btrfs.show(received).receivedUuid());
    }

    private static String request(int version, String codec) {
        return "icbd-send/1 image=" + IMAGE + " version=" + version + compress(codec);
    }

    /** The grammar names no codec for none: the field is left out. */
    private static String compress(String codec) {
        return codec.equals("none") ? "" : " compress=" + codec;
    }

    private byte[] pull(KeyPair identity, String request) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SshExec ssh = new SshExec(hostKey(), fleet.sshPort())) {
            SshExec.Result result = ssh.exec(identity, request, in -> in.transferTo(out), line -> { });
            assertEquals(0, result.exitStatus(), () -> request + ": " + result.stderr());
        }
        return out.toByteArray();
    }

    private JsonNode storedStreams() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + fleet.httpPort() + "/streams")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode all = json.readTree(response.body());
        assertTrue(all.isArray(), response.body());
        return all;
    }

    private PublicKey hostKey() throws IOException {
        return HostKeyPin.parse(Files.readString(fleet.masterHostKeyPin()), "127.0.0.1", fleet.sshPort());
    }

    private static KeyPair identity(Path key) throws Exception {
        try (InputStream in = Files.newInputStream(key)) {
            return SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(key.toString()), in, null)
                    .iterator().next();
        }
    }

    private static byte[] decode(Compression compression, byte[] encoded) throws IOException {
        try (InputStream in = StreamCodec.decoder(compression, new ByteArrayInputStream(encoded))) {
            return in.readAllBytes();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
