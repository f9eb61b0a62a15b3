package org.icbd.rcs.master.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.ssh.SendExitStatus;
import org.icbd.rcs.master.testing.InProcessMaster;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.ImageVersionsTopic;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.MetricsScrape;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole master service started in-process as {@code icbd master serve} starts it: republish at
 * start, the HTTP API, SSH, and refusals to start with a bad setting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MasterApplicationIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final ObjectMapper JSON = new ObjectMapper();

    private InProcessMaster site;
    private Path tmp;
    private TestPool pool;
    private ImageRepository repository;
    private ClientKeys keys;
    private ApplicationContext context;
    private String base;

    @BeforeAll
    void startMaster() throws Exception {
        site = InProcessMaster.create("app");
        tmp = site.tmp();
        pool = site.pool();
        repository = site.repository();
        keys = site.keys();
        Path work = repository.init("ubuntu");
        Files.writeString(work.resolve("f"), "one");
        try (Publisher publisher = new Publisher(repository, PublisherSettings.of(KAFKA.bootstrapServers(), "hq"))) {
            publisher.publish("ubuntu");
        }
        Files.writeString(work.resolve("f"), "two");
        repository.snapshotNext("ubuntu"); // as if the publish had failed to reach Kafka
        repository.init("empty");

        context = site.start(settings());
        base = site.base();
    }

    private Map<String, Object> settings() {
        Map<String, Object> p = site.settings(KAFKA.bootstrapServers());
        // The older name of icbd.master.kafka.bootstrap-servers: the systemd env files still use it.
        p.remove("icbd.master.kafka.bootstrap-servers");
        p.put("icbd.master.kafka-bootstrap-servers", KAFKA.bootstrapServers());
        p.put("icbd.master.kafka.properties.client.id", "icbd-master-it");
        p.put("icbd.master.zstd-level", 6);
        p.put("icbd.master.max-send-rate", 200_000_000L);
        p.put("icbd.master.stream-budget", 100_000_000L);
        return p;
    }

    @AfterAll
    void stop() {
        if (site != null) {
            site.close();
        }
    }

    @Test
    void theStartRepublishedExactlyTheVersionTheTopicLacked() {
        List<ImageVersionEvent> events = ImageVersionsTopic.events(KAFKA.bootstrapServers(), "ubuntu");
        assertEquals(List.of(1, 2), events.stream().map(ImageVersionEvent::version).toList());
        assertEquals(repository.version("ubuntu", 2).uuid(),
                ((org.icbd.rcs.events.ImageVersionPublished) events.get(1)).uuid());
        assertTrue(context.getBean(MasterService.class).republishState().startsWith("done: "),
                context.getBean(MasterService.class).republishState());
    }

    @Test
    void kafkaPassThroughPropertiesReachItsClients() throws Exception {
        assertTrue(java.lang.management.ManagementFactory.getPlatformMBeanServer().isRegistered(
                new javax.management.ObjectName("kafka.producer:type=producer-metrics,client-id=icbd-master-it")),
                "the publisher's producer carries icbd.master.kafka.properties.client.id");
    }

    @Test
    void healthSaysOkWithItsDetails() throws Exception {
        HttpResponse<String> response = get("/health");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("ok", body.get("status").asText());
        assertEquals(pool.root().toString(), body.get("pool").asText());
        assertTrue(body.get("kafkaReachable").asBoolean());
        assertTrue(body.get("sshRunning").asBoolean());
        assertEquals(context.getBean(MasterService.class).sshPort(), body.get("sshPort").asInt());
        assertTrue(body.get("hostKey").asText().startsWith("SHA256:"));
    }

    @Test
    void imagesListsEveryImageWithItsVersionCountAndLatest() throws Exception {
        HttpResponse<String> response = get("/images");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(2, body.size());
        assertEquals("empty", body.get(0).get("name").asText());
        assertEquals(0, body.get(0).get("versions").asInt());
        assertTrue(body.get(0).path("latest").isMissingNode() || body.get(0).get("latest").isNull());
        assertEquals("ubuntu", body.get(1).get("name").asText());
        assertEquals(2, body.get(1).get("versions").asInt());
        assertEquals(2, body.get(1).get("latest").asInt());
    }

    @Test
    void versionsListsUuidParentCreationTimeAndSize() throws Exception {
        HttpResponse<String> response = get("/images/ubuntu/versions");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(2, body.size());
        String uuid1 = repository.version("ubuntu", 1).uuid();
        assertEquals(1, body.get(0).get("version").asInt());
        assertEquals(uuid1, body.get(0).get("uuid").asText());
        assertEquals("no retention", body.get(0).get("retained").asText(), "without keep the master prunes nothing");
        assertEquals("newest", body.get(1).get("retained").asText());
        assertEquals(0, body.get(1).get("protectedBy").size(), "no replica is subscribed");
        assertTrue(body.get(0).path("parent").isMissingNode() || body.get(0).get("parent").isNull());
        assertEquals(2, body.get(1).get("version").asInt());
        assertEquals(1, body.get(1).get("parent").asInt());
        assertEquals(uuid1, body.get(1).get("parentUuid").asText());
        assertEquals(3, body.get(1).get("sizeBytes").asLong());
        assertTrue(body.get(1).get("created").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), body.toString());
    }

    @Test
    void anUnknownImageIs404AndABadNameIs400WithAClearMessage() throws Exception {
        HttpResponse<String> missing = get("/images/debian/versions");
        assertEquals(404, missing.statusCode());
        assertTrue(JSON.readTree(missing.body()).get("error").asText().contains("image debian does not exist"),
                missing.body());
        HttpResponse<String> bad = get("/images/Bad..Name/versions");
        assertEquals(400, bad.statusCode());
        assertTrue(JSON.readTree(bad.body()).get("error").asText().contains("is not a valid name"), bad.body());
    }

    @Test
    void theSshServiceOfTheApplicationAnswersTransferRequests() throws Exception {
        MasterService master = context.getBean(MasterService.class);
        try (SshExec ssh = new SshExec(master.sendServer().hostKey(), master.sshPort())) {
            long[] bytes = {0};
            SshExec.Result result = ssh.exec(keys.keyPair(), "icbd-send/1 image=ubuntu version=2 parent=1",
                    in -> bytes[0] = in.transferTo(java.io.OutputStream.nullOutputStream()), line -> { });
            assertEquals(SendExitStatus.OK, result.exitStatus(), result.stderr());
            assertTrue(bytes[0] > 0);
        }
    }

    @Test
    void metricsCountEverySendAndTheExactBytesServedPerCodec() throws Exception {
        MasterService master = context.getBean(MasterService.class);
        URI metrics = URI.create(base + "/metrics");
        MetricsScrape before = MetricsScrape.of(metrics);
        long[] bytes = {0, 0};
        try (SshExec ssh = new SshExec(master.sendServer().hostKey(), master.sshPort())) {
            SshExec.Result plain = ssh.exec(keys.keyPair(), "icbd-send/1 image=ubuntu version=2 parent=1",
                    in -> bytes[0] = in.transferTo(java.io.OutputStream.nullOutputStream()), line -> { });
            assertEquals(SendExitStatus.OK, plain.exitStatus(), plain.stderr());
            SshExec.Result lz4 = ssh.exec(keys.keyPair(), "icbd-send/1 image=ubuntu version=1 compress=lz4",
                    in -> bytes[1] = in.transferTo(java.io.OutputStream.nullOutputStream()), line -> { });
            assertEquals(SendExitStatus.OK, lz4.exitStatus(), lz4.stderr());
            SshExec.Result refused = ssh.exec(keys.keyPair(), "icbd-send/1 image=ubuntu version=9");
            assertEquals(SendExitStatus.REFUSED, refused.exitStatus(), refused.stderr());
        }
        MetricsScrape after = MetricsScrape.of(metrics);
        String sends = "icbd_master_sends_total";
        String served = "icbd_master_served_bytes_total";
        assertEquals(2, after.require(sends, "outcome", "started") - before.value(sends, "outcome", "started"));
        assertEquals(2, after.require(sends, "outcome", "completed") - before.value(sends, "outcome", "completed"));
        assertEquals(1, after.require(sends, "outcome", "refused") - before.value(sends, "outcome", "refused"));
        assertEquals(before.value(sends, "outcome", "failed"), after.require(sends, "outcome", "failed"));
        assertEquals(bytes[0], (long) (after.require(served, "compression", "none")
                - before.value(served, "compression", "none")));
        assertEquals(bytes[1], (long) (after.require(served, "compression", "lz4")
                - before.value(served, "compression", "lz4")));
        assertEquals(0, after.require("icbd_master_send_slots_waiting"));
        assertEquals(0, after.require("icbd_master_send_slots_in_use"));
        assertEquals(4, after.require("icbd_master_send_slots_max"));
        after.require("icbd_master_channels_open");
        // Each of the two sends was either produced or answered from the store (another test may have sent one).
        assertEquals(2, after.require("icbd_master_stream_store_productions_total")
                - before.value("icbd_master_stream_store_productions_total")
                + after.require("icbd_master_stream_store_hits_total")
                - before.value("icbd_master_stream_store_hits_total"));
        assertTrue(after.require("icbd_master_stream_store_bytes") > 0);
    }

    @Test
    void aBadSettingStopsTheStartAndIsNamed() throws Exception {
        Map<String, Object> notBtrfs = settings();
        notBtrfs.put("icbd.master.pool", tmp.toString());
        assertStartFails(notBtrfs, "icbd.master.pool: pool " + tmp + " is not on a btrfs filesystem");

        Map<String, Object> noKeys = settings();
        noKeys.put("icbd.master.authorized-keys-file", tmp.resolve("missing").toString());
        assertStartFails(noKeys, "icbd.master.authorized-keys-file " + tmp.resolve("missing") + " does not exist");

        Map<String, Object> badPort = settings();
        badPort.put("icbd.master.ssh-port", 70000);
        assertStartFails(badPort, "icbd.master.ssh-port 70000 is out of range");

        Map<String, Object> badBootstrap = settings();
        badBootstrap.put("icbd.master.kafka.bootstrap-servers", "nowhere");
        assertStartFails(badBootstrap, "icbd.master.kafka.bootstrap-servers: bootstrap 'nowhere' is not a list");

        Map<String, Object> fixedProperty = settings();
        fixedProperty.put("icbd.master.kafka.properties.acks", "1");
        assertStartFails(fixedProperty, "icbd.master.kafka.properties.acks: Kafka property acks cannot be passed"
                + " through");

        Map<String, Object> badName = settings();
        badName.put("icbd.master.name", "Head Quarters");
        assertStartFails(badName, "icbd.master.name 'Head Quarters' is not a valid name");

        Map<String, Object> badKeep = settings();
        badKeep.put("icbd.master.keep", 0);
        assertStartFails(badKeep, "icbd.master.keep must be at least 1");

        Map<String, Object> badInterval = settings();
        badInterval.put("icbd.master.reconcile-interval", "0s");
        assertStartFails(badInterval, "icbd.master.reconcile-interval must be a positive duration");
    }

    private static void assertStartFails(Map<String, Object> settings, String message) {
        MasterStartException e = assertThrows(MasterStartException.class, () -> MasterApplication.run(settings));
        assertTrue(e.getMessage().startsWith("the master cannot start: ") && e.getMessage().contains(message),
                e.getMessage());
    }

    @Test
    void streamsListsEachStoredStreamWithWhatProducedAndServedIt() throws Exception {
        MasterService service = context.getBean(MasterService.class);
        assertEquals(100_000_000L, service.sendServer().streams().budgetBytes());
        assertEquals(6, service.sendServer().streams().codec().zstdLevel());
        String request = "icbd-send/1 image=ubuntu version=2 parent=1 compress=zstd";
        java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        try (SshExec ssh = new SshExec(service.sendServer().hostKey(), service.sshPort())) {
            for (int i = 0; i < 2; i++) {
                first.reset();
                SshExec.Result result = ssh.exec(keys.keyPair(), request, in -> in.transferTo(first), line -> { });
                assertEquals(SendExitStatus.OK, result.exitStatus(), result.stderr());
            }
        }
        HttpResponse<String> response = get("/streams");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        JsonNode stream = null;
        for (JsonNode s : body) {
            if (s.get("image").asText().equals("ubuntu") && s.get("version").asInt() == 2
                    && s.get("compression").asText().equals("zstd")) {
                stream = s;
            }
        }
        assertTrue(stream != null, response.body());
        assertEquals(1, stream.get("parent").asInt());
        assertEquals(first.size(), stream.get("bytes").asLong());
        assertTrue(stream.get("complete").asBoolean());
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(first.toByteArray())), stream.get("sha256").asText());
        assertEquals(1, stream.get("sends").asInt());
        assertEquals(2, stream.get("served").asInt());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return site.get(path);
    }
}
