package org.icbd.rcs.master.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.testing.InProcessMaster;
import org.icbd.rcs.testkit.FakeFleet;
import org.icbd.rcs.testkit.ImageVersionsTopic;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The master service's lifecycle rounds, as {@code icbd master serve --keep 2 --reconcile-interval 1s}
 * runs them: a snapshot deleted by hand becomes retired, a snapshot without an event is published
 * without a restart, and retention keeps the newest two plus a replica's next parent (the replica
 * exists only as records in the topics).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MasterLifecycleIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    /** One interval plus the time a round takes (reading four topics, publishing) on a loaded machine. */
    private static final Duration WITHIN_A_ROUND = INTERVAL.plusSeconds(14);

    private InProcessMaster site;
    private ImageRepository repository;
    private ApplicationContext context;
    private String base;

    @BeforeAll
    void startMaster() throws Exception {
        site = InProcessMaster.create("lifecycle");
        repository = site.repository();
        try (Publisher publisher = new Publisher(repository, PublisherSettings.of(KAFKA.bootstrapServers(), "hq"));
             FakeFleet fleet = new FakeFleet(KAFKA.bootstrapServers())) {
            for (String image : List.of("pruned", "handmade")) {
                Path work = repository.init(image);
                for (int v = 1; v <= (image.equals("pruned") ? 4 : 2); v++) {
                    Files.writeString(work.resolve("f"), image + " " + v);
                    publisher.publish(image);
                }
            }
            // Written before the master starts: its first round must already see r1 protecting version 2.
            fleet.replica("r1", "pruned", 1, 2);
            // Silent for 40 days, past the 30-day limit: protects nothing, and will re-seed.
            fleet.offlineReplica("r-old", "pruned", Instant.now().minus(Duration.ofDays(40)), 1);
        }
        Map<String, Object> p = site.settings(KAFKA.bootstrapServers());
        p.put("icbd.master.keep", 2);
        p.put("icbd.master.reconcile-interval", "1s");
        context = site.start(p);
        base = site.base();
    }

    @AfterAll
    void stop() {
        if (site != null) {
            site.close();
        }
    }

    private List<Integer> onDisk(String image) {
        return repository.versions(image).stream().map(v -> v.version()).toList();
    }

    private List<Integer> retiredInTopic(String image) {
        return ImageVersionsTopic.events(KAFKA.bootstrapServers(), image).stream()
                .filter(ImageVersionRetired.class::isInstance).map(ImageVersionEvent::version).toList();
    }

    @Test
    void keepTwoRetiresOnlyWhatNeitherKeepNorTheReplicasNextParentHolds() throws Exception {
        await().atMost(WITHIN_A_ROUND).until(() -> onDisk("pruned").equals(List.of(2, 3, 4)));
        assertEquals(List.of(1), retiredInTopic("pruned"), "version 1 was announced as retired");

        HttpResponse<String> response = get("/images/pruned/versions");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(3, body.size(), response.body());
        assertEquals(2, body.get(0).get("version").asInt());
        assertEquals("next parent", body.get(0).get("retained").asText());
        assertEquals("r1", body.get(0).get("protectedBy").get(0).asText());
        assertEquals("within keep", body.get(1).get("retained").asText());
        assertEquals(0, body.get(1).get("protectedBy").size());
        assertEquals("newest", body.get(2).get("retained").asText());

        JsonNode retention = JSON.readTree(get("/images/pruned/retention").body());
        assertEquals(2, retention.get("keep").asInt());
        assertEquals(0, retention.get("delete").size(), "the round has applied everything it decided");
        assertEquals("r-old", retention.get("lapsed").get(0).get("replicaId").asText());
        assertTrue(retention.get("lapsed").get(0).get("willReseed").asBoolean(), retention.toString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return site.get(path);
    }

    @Test
    void aSnapshotDeletedByHandBecomesRetiredAndOneWithoutEventIsPublishedWithoutRestart() throws Exception {
        String image = "handmade";
        Path v1 = repository.imageDir(image).resolve("versions/1");
        new BtrfsTool(new CommandRunner()).deleteSubvolume(v1);

        await().atMost(WITHIN_A_ROUND).until(() -> retiredInTopic(image).equals(List.of(1)));
        ImageVersionRetired retired = (ImageVersionRetired) ImageVersionsTopic.events(KAFKA.bootstrapServers(), image)
                .stream().filter(ImageVersionRetired.class::isInstance).findFirst().orElseThrow();
        assertEquals("hq", retired.master());

        Files.writeString(repository.workDir(image).resolve("f"), "handmade 3");
        String uuid = repository.snapshotNext(image).uuid(); // as if its publish had not been acknowledged

        await().atMost(WITHIN_A_ROUND).until(() -> ImageVersionsTopic.events(KAFKA.bootstrapServers(), image).stream()
                .anyMatch(e -> e instanceof ImageVersionPublished p && p.version() == 3 && p.uuid().equals(uuid)));
        assertEquals(List.of(2, 3), onDisk(image));
        assertEquals(List.of(1), retiredInTopic(image), "reconciling again retires nothing more");
        assertFalse(context.getBean(MasterService.class).republishState().startsWith("pending"));
        assertTrue(Files.notExists(v1));
    }
}
