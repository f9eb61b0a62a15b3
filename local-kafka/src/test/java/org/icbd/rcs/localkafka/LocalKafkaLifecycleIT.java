package org.icbd.rcs.localkafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starting and stopping brokers of its own, and {@link LocalKafkaMain} as a child process. */
class LocalKafkaLifecycleIT {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaLifecycleIT.class);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap (127\\.0\\.0\\.1:(\\d+))");

    @Test
    void startsAndStopsTwiceOnEphemeralPortsAndDeletesItsTemporaryDirectory() throws Exception {
        for (int run = 1; run <= 2; run++) {
            LocalKafka kafka = LocalKafka.start();
            Path dir = kafka.dataDir();
            try {
                LOG.info("Run {}: ready on {} in {} ms", run, kafka.bootstrapServers(), kafka.startupTime().toMillis());
                assertTrue(kafka.temporaryDataDir());
                assertTrue(Files.exists(dir.resolve("meta.properties")), "formatted " + dir);
                assertEquals("127.0.0.1:" + kafka.port(), kafka.bootstrapServers());
                try (Admin admin = Admin.create(kafka.clientConfig())) {
                    Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
                    assertEquals(List.of(LocalKafka.NODE_ID), nodes.stream().map(Node::id).toList());
                }
            } finally {
                kafka.close();
            }
            assertFalse(Files.exists(dir), dir + " deleted on close");
            kafka.close();
        }
    }

    @Test
    void aGivenDataDirectoryKeepsTopicsAndRecordsAcrossRestartsOnGivenPorts(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("kafka");
        ReplicaRegistered registered = ReplicaRegistered.of("lab-110-a", "lab-110",
                List.of(new Subscription("ubuntu", 3)), "icbd", "SHA256:q3Jx0p9m4v3pC7a9m0Zb8uKXh3r5yY0pP1sQ2wE3rT4",
                "icbd-rcs 0.1.0", Instant.parse("2026-11-22T10:15:30Z"));

        try (LocalKafka kafka = LocalKafka.builder().dataDir(dir).start()) {
            assertFalse(kafka.temporaryDataDir());
            assertEquals(names(Topics.ALL), kafka.ensureTopics(Topics.ALL, 1).created());
            try (KafkaProducer<String, ReplicaRegistered> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                            ProducerConfig.ACKS_CONFIG, "all"),
                    Topics.REPLICAS.keySerde().serializer(), Topics.REPLICAS.valueSerde().serializer())) {
                producer.send(new ProducerRecord<>(Topics.REPLICAS.name(), "lab-110-a", registered))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        assertTrue(Files.exists(dir.resolve("meta.properties")), dir + " kept");

        int port = LocalKafka.freePort();
        int controllerPort = LocalKafka.freePort(port);
        try (LocalKafka kafka = LocalKafka.builder().dataDir(dir).port(port).controllerPort(controllerPort).start()) {
            assertEquals("127.0.0.1:" + port, kafka.bootstrapServers());
            assertEquals(controllerPort, kafka.controllerPort());
            TopicAdmin.Result again = kafka.ensureTopics(Topics.ALL, 1);
            assertEquals(List.of(), again.created());
            assertEquals(names(Topics.ALL), again.existing());

            List<ConsumerRecord<String, ReplicaRegistered>> records = new ArrayList<>();
            try (KafkaConsumer<String, ReplicaRegistered> consumer = new KafkaConsumer<>(
                    Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                            ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    Topics.REPLICAS.keySerde().deserializer(), Topics.REPLICAS.valueSerde().deserializer())) {
                consumer.subscribe(List.of(Topics.REPLICAS.name()));
                await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                    return !records.isEmpty();
                });
            }
            assertEquals(1, records.size());
            assertEquals("lab-110-a", records.get(0).key());
            assertEquals(registered, records.get(0).value());
        }
        assertTrue(Files.exists(dir.resolve("meta.properties")), dir + " kept");
    }

    @Test
    @SuppressWarnings("try") // the muting resource is used for its scope only
    void aGivenPortInUseFailsTheStartWithAMessageNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(LocalKafka.HOST));
             AutoCloseable quiet = muted("kafka", "org.apache.kafka")) {
            int port = taken.getLocalPort();
            LocalKafkaException e = assertThrows(LocalKafkaException.class,
                    () -> LocalKafka.builder().port(port).start().close());
            LOG.info("As expected: {}", e.getMessage());
            assertTrue(e.getMessage().contains("failed to bind to 127.0.0.1:" + port), e.getMessage());
            assertTrue(LocalKafka.isBindFailure(e), "a BindException in the cause chain");
        }
        // The next broker starts as usual: the failed one left nothing behind in this JVM.
        try (LocalKafka kafka = LocalKafka.start()) {
            assertTrue(kafka.port() > 0);
        }
    }

    @Test
    void mainPrintsTheBootstrapAddressCreatesTheTopicsAndStopsOnSigterm(@TempDir Path tmp) throws Exception {
        int port = LocalKafka.freePort();
        Path dir = tmp.resolve("kafka");
        Process process = javaMain(tmp, "--port", String.valueOf(port), "--data-dir", dir.toString());
        try {
            Path stdout = tmp.resolve("stdout.txt");
            await("the bootstrap line").atMost(WAIT)
                    .until(() -> bootstrapLine(lines(stdout)).isPresent() || !process.isAlive());
            Matcher bootstrap = bootstrapLine(lines(stdout)).orElseThrow(() -> new AssertionError(
                    "main exited with " + process.exitValue() + ": " + lines(stdout)));
            assertEquals(port, Integer.parseInt(bootstrap.group(2)));

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap.group(1)))) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(topics.containsAll(names(Topics.ALL)), "topics " + topics);
            }

            process.destroy();
            assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "main stopped on SIGTERM");
            assertEquals(143, process.exitValue(), "exit status after SIGTERM");
            assertTrue(lines(stdout).stream().anyMatch(l -> l.contains("LocalKafka - Kafka broker on " + bootstrap.group(1)
                    + " stopped in")), "the shutdown hook closed the broker: " + lines(stdout));
            assertTrue(Files.exists(dir.resolve("meta.properties")), dir + " kept");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void mainRejectsBadArgumentsWithExitCode2(@TempDir Path tmp) throws Exception {
        Process process = javaMain(tmp, "--port", "nine");
        try {
            assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(2, process.exitValue());
            String stderr = Files.readString(tmp.resolve("stderr.txt"));
            assertTrue(stderr.contains("--port must be a port number 1-65535, got 'nine'"), stderr);
            assertTrue(stderr.contains("usage: local-kafka"), stderr);
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * The main class in a child JVM with this test's class path; stdout goes to {@code stdout.txt},
     * stderr to {@code stderr.txt} (files, unlike pipes, keep what a process wrote as it exits).
     * Log4j's own shutdown hook is off so that the broker's last log lines survive SIGTERM.
     */
    private static Process javaMain(Path tmp, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dlog4j2.shutdownHookEnabled=false", "-cp", System.getProperty("java.class.path"), LocalKafkaMain.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(tmp.resolve("stdout.txt").toFile())
                .redirectError(tmp.resolve("stderr.txt").toFile())
                .start();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Matcher> bootstrapLine(List<String> lines) {
        return lines.stream().map(BOOTSTRAP::matcher).filter(Matcher::matches).findFirst();
    }

    /**
     * Silences loggers until closed: Kafka logs a failure this test provokes at ERROR with three
     * stack traces, which are no news here.
     */
    private static AutoCloseable muted(String... loggers) {
        Map<String, Level> before = new LinkedHashMap<>();
        for (String logger : loggers) {
            before.put(logger, LogManager.getLogger(logger).getLevel());
            Configurator.setLevel(logger, Level.OFF);
        }
        return () -> before.forEach(Configurator::setLevel);
    }

    private static List<String> names(List<Topic<String, ?>> topics) {
        return topics.stream().map(Topic::name).toList();
    }
}
