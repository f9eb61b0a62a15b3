package org.icbd.rcs.master.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.master.kafka.ConsumerTopicScan;
import org.icbd.rcs.master.reconcile.Reconciler;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.topic.Topics;
import org.icbd.rcs.testkit.FakeFleet;
import org.icbd.rcs.testkit.ImageVersionsTopic;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.TestPool;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Publishing against a real broker and a real btrfs pool; every test uses an image of its own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublisherIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private TestPool pool;
    private ImageRepository repository;
    private BtrfsTool btrfs;

    @BeforeAll
    void setUp() {
        pool = TestPool.create("publish");
        CommandRunner runner = new CommandRunner();
        repository = new ImageRepository(pool.root(), runner);
        btrfs = new BtrfsTool(runner);
    }

    @AfterAll
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
    }

    private Publisher publisher() {
        return new Publisher(repository, PublisherSettings.of(KAFKA.bootstrapServers(), "site-a"));
    }

    @Test
    void versionsAreNumberedOneTwoThreeAndTheEventsDescribeTheSnapshots() throws Exception {
        Path work = repository.init("numbered");
        Instant before = Instant.now().minusSeconds(2);
        try (Publisher publisher = publisher()) {
            for (int v = 1; v <= 3; v++) {
                Trees.writeRandom(work.resolve("file" + v), 10_000 * v, v);
                ImageVersionPublished event = publisher.publish("numbered");
                assertEquals(v, event.version());
            }
        }
        List<ImageVersionEvent> events = ImageVersionsTopic.events(KAFKA.bootstrapServers(), "numbered");
        assertEquals(List.of(1, 2, 3), events.stream().map(ImageVersionEvent::version).toList());
        String previousUuid = null;
        for (ImageVersionEvent e : events) {
            ImageVersionPublished p = (ImageVersionPublished) e;
            SubvolumeInfo snapshot = btrfs.show(repository.imageDir("numbered").resolve("versions/" + p.version()));
            assertTrue(snapshot.readOnly());
            assertEquals(snapshot.uuid().toString(), p.uuid(), "uuid of version " + p.version());
            assertEquals(p.version() == 1 ? Optional.empty() : Optional.of(p.version() - 1), p.parentVersion());
            assertEquals(Optional.ofNullable(previousUuid), p.parentUuid());
            assertEquals("site-a", p.master());
            long expectedSize = 0;
            for (int f = 1; f <= p.version(); f++) {
                expectedSize += 10_000L * f;
            }
            assertEquals(expectedSize, p.sizeBytes(), "apparent size of version " + p.version());
            assertTrue(!p.createdAt().isBefore(before) && !p.createdAt().isAfter(Instant.now()), p.createdAt().toString());
            previousUuid = p.uuid();
        }
    }

    @Test
    void twoConcurrentPublishesOfOneImageGetDistinctNumbers() throws Exception {
        repository.init("concurrent");
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<ImageVersionPublished>> publishes = List.of(1, 2).stream()
                .map(i -> CompletableFuture.supplyAsync(() -> {
                    // Separate repositories and producers, as two admin scripts would have.
                    ImageRepository own = new ImageRepository(pool.root(), new CommandRunner());
                    try (Publisher publisher = new Publisher(own,
                            PublisherSettings.of(KAFKA.bootstrapServers(), "site-a"))) {
                        start.await();
                        return publisher.publish("concurrent");
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                })).toList();
        start.countDown();
        Set<Integer> versions = publishes.stream().map(CompletableFuture::join).map(ImageVersionPublished::version)
                .collect(Collectors.toSet());
        assertEquals(Set.of(1, 2), versions);
        assertEquals(2, repository.versions("concurrent").size());
    }

    @Test
    void aDeadBrokerFailsWithinTheTimeoutKeepsTheSnapshotAndTheReconcilerCompletesIt() throws Exception {
        repository.init("offline");
        try (Publisher publisher = publisher()) {
            publisher.publish("offline");
        }
        PublisherSettings dead = PublisherSettings.of(ImageVersionsTopic.deadBootstrap(), "site-a")
                .withTimeout(Duration.ofSeconds(2));
        long startNanos = System.nanoTime();
        NotDurableException e;
        try (Publisher publisher = new Publisher(repository, dead)) {
            e = assertThrows(NotDurableException.class, () -> publisher.publish("offline"));
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - startNanos).compareTo(Duration.ofSeconds(10)) < 0,
                "a dead broker fails the publish within about the timeout");
        assertEquals(2, e.version());
        assertTrue(e.getMessage().contains("versions/2") && e.getMessage().contains("exists")
                && e.getMessage().contains("publishes it at its next reconciliation"), e.getMessage());
        assertTrue(btrfs.show(e.snapshot()).readOnly(), "the snapshot is kept");
        assertEquals(List.of(1), versionsInTopic("offline"));

        try (Publisher publisher = publisher()) {
            List<ImageVersionPublished> republished = reconciler(publisher).run().published();
            assertEquals(List.of("offline/2"), republished.stream().map(p -> p.image() + "/" + p.version()).toList());
            assertEquals(List.of(1, 2), versionsInTopic("offline"));
            assertEquals(List.of(), reconciler(publisher).run().published(), "nothing is missing any more");
        }
        assertEquals(List.of(1, 2), versionsInTopic("offline"));
    }

    @Test
    void aForgedEventForTheNextVersionIsCorrectedByTheReconcilerFromTheDisk() throws Exception {
        Path work = repository.init("forged");
        String forgedUuid = "6f0c2a8e-1b7d-4e3a-9c5f-0d2e4b6a8c1f";
        try (FakeFleet forger = new FakeFleet(KAFKA.bootstrapServers()); Publisher publisher = publisher()) {
            forger.send(Topics.IMAGE_VERSIONS, "forged", ImageVersionPublished.of("forged", 1, forgedUuid,
                    Optional.empty(), Optional.empty(), 1, Instant.now(), "site-a"));
            Trees.writeRandom(work.resolve("file"), 10_000, 1);
            ImageVersionPublished real = publisher.publish("forged");
            assertEquals(1, real.version());

            Reconciler reconciler = reconciler(publisher);
            List<ImageVersionPublished> corrections = reconciler.run().published();

            assertEquals(1, corrections.size(), corrections::toString);
            assertEquals(real.uuid(), corrections.get(0).uuid());
            assertEquals(Optional.of(forgedUuid), corrections.get(0).corrects());
            assertEquals(btrfs.show(repository.imageDir("forged").resolve("versions/1")).uuid().toString(),
                    corrections.get(0).uuid(), "the correction names the snapshot on disk");
            TopicVersions topic = TopicVersions.of(ImageVersionsTopic.events(KAFKA.bootstrapServers(), "forged"));
            assertEquals(new TopicVersions.Known(real.uuid(), false), topic.of("forged").get(1));
            assertEquals(List.of(), reconciler.run().published(), "the topic agrees with the disk now");
        }
    }

    private Reconciler reconciler(Publisher publisher) {
        return new Reconciler(repository, publisher, new ConsumerTopicScan(publisher.settings(), "test-reconcile"));
    }

    private List<Integer> versionsInTopic(String image) {
        return ImageVersionsTopic.events(KAFKA.bootstrapServers(), image).stream().map(ImageVersionEvent::version)
                .toList();
    }

    @Test
    void publishingNeedsABtrfsPoolAnInitialisedImageAndItsWorkSubvolume() throws Exception {
        try (Publisher publisher = publisher()) {
            RepositoryException e = assertThrows(RepositoryException.class, () -> publisher.publish("never-made"));
            assertEquals(RepositoryException.Reason.NO_SUCH_IMAGE, e.reason());
            assertTrue(e.getMessage().contains("icbd image init"), e.getMessage());

            e = assertThrows(RepositoryException.class, () -> publisher.publish("../etc"));
            assertEquals(RepositoryException.Reason.INVALID_NAME, e.reason());

            repository.init("workless");
            btrfs.deleteSubvolume(repository.workDir("workless"));
            e = assertThrows(RepositoryException.class, () -> publisher.publish("workless"));
            assertEquals(RepositoryException.Reason.WORK_MISSING, e.reason());
            assertTrue(e.getMessage().contains("no work subvolume"), e.getMessage());
        }
        Path plain = Files.createTempDirectory("icbd-not-btrfs-");
        try (Publisher publisher = new Publisher(new ImageRepository(plain, new CommandRunner()),
                PublisherSettings.of(KAFKA.bootstrapServers(), "site-a"))) {
            RepositoryException e = assertThrows(RepositoryException.class, () -> publisher.publish("any"));
            assertEquals(RepositoryException.Reason.NOT_BTRFS, e.reason());
            assertNotNull(e.getMessage());
        } finally {
            TestPool.delete(plain);
        }
    }
}
