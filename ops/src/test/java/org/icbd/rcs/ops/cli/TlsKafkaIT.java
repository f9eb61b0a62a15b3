package org.icbd.rcs.ops.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.ssh.SendServer;
import org.icbd.rcs.master.service.MasterApplication;
import org.icbd.rcs.master.service.MasterService;
import org.icbd.rcs.planner.app.PlannerApplication;
import org.icbd.rcs.replica.service.ReplicaApplication;
import org.icbd.rcs.testkit.TestCertificates;
import org.icbd.rcs.testkit.TestKeys;
import org.icbd.rcs.testkit.TestPool;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kafka client of icbd through a TLS listener with a certificate the test makes: {@code icbd
 * topics ensure}, {@code icbd publish}, the master, the planner, a replica and {@code icbd status}, each given
 * the cluster's client settings ({@code --kafka-properties} or a service's {@code kafka.properties}).
 * One version goes from the master's disk to the replica's, and status shows it IN_SYNC.
 */
class TlsKafkaIT {

    private static final String IMAGE = "ubuntu";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private static Run icbd(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Icbd.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void publishPlannerReplicaAndStatusAllSpeakTls() throws Exception {
        TestCertificates certs = TestCertificates.create(tmp.resolve("tls"));
        Path clientProperties = certs.writeClientProperties(tmp.resolve("client.properties"));
        try (LocalKafka kafka = LocalKafka.builder().tls(new LocalKafka.Tls(certs.keyStore(), certs.password())).start();
             TestPool masterPool = TestPool.create("tls-master");
             TestPool replicaPool = TestPool.create("tls-replica")) {
            String tls = kafka.tlsBootstrapServers();
            assertTlsHandshake(tls, certs);
            Run topics = icbd("topics", "ensure", "--bootstrap", tls, "--kafka-properties", clientProperties.toString(),
                    "--replication-factor", "1", "--partitions", "3");
            assertEquals(0, topics.exit(), topics.out() + topics.err());

            ImageRepository repository = new ImageRepository(masterPool.root(), new CommandRunner());
            Path work = repository.init(IMAGE);
            Trees.writeRandom(work.resolve("disk.img"), 1L << 20, 17);
            Run publish = icbd("publish", "--pool", masterPool.root().toString(), "--image", IMAGE,
                    "--bootstrap", tls, "--kafka-properties", clientProperties.toString(), "--verdict-timeout", "0s");
            assertEquals(0, publish.exit(), publish.out() + publish.err());

            KeyPair replicaKey = TestKeys.generate();
            Path authorized = Files.writeString(tmp.resolve("authorized_keys"), TestKeys.publicLine(replicaKey) + "\n");
            Map<String, Object> masterSettings = new HashMap<>();
            masterSettings.put("icbd.master.pool", masterPool.root().toString());
            masterSettings.put("icbd.master.ssh-host", "127.0.0.1");
            masterSettings.put("icbd.master.ssh-port", 0);
            masterSettings.put("icbd.master.http-port", -1);
            masterSettings.put("icbd.master.host-key-file", tmp.resolve("host_key").toString());
            masterSettings.put("icbd.master.authorized-keys-file", authorized.toString());
            masterSettings.put("icbd.master.kafka.bootstrap-servers", tls);
            Map<String, Object> planner = new HashMap<>();
            planner.put("icbd.planner.kafka.bootstrap-servers", tls);
            planner.put("icbd.planner.state-dir", tmp.resolve("planner-state").toString());
            Map<String, Object> replica = new HashMap<>();
            replica.put("icbd.replica.id", "tls-r1");
            replica.put("icbd.replica.site", "tls-site");
            replica.put("icbd.replica.pool", replicaPool.root().toString());
            replica.put("icbd.replica.subscriptions", IMAGE + ":2");
            replica.put("icbd.replica.kafka.bootstrap-servers", tls);
            replica.put("icbd.replica.ssh.private-key-file",
                    TestKeys.writePrivate(replicaKey, tmp.resolve("replica_key")).toString());
            replica.put("icbd.replica.heartbeat-interval", "1s");
            certs.clientProperties().forEach((k, v) -> {
                masterSettings.put("icbd.master.kafka.properties." + k, v);
                planner.put("icbd.planner.kafka.properties." + k, v);
                replica.put("icbd.replica.kafka.properties." + k, v);
            });
            try (ApplicationContext masterContext = MasterApplication.run(masterSettings);
                 PlannerApplication plan = PlannerApplication.start(PlannerApplication.config(planner))) {
                SendServer master = masterContext.getBean(MasterService.class).sendServer();
                replica.put("icbd.replica.master.host", "127.0.0.1");
                replica.put("icbd.replica.master.port", String.valueOf(master.port()));
                replica.put("icbd.replica.master.host-key", master.hostKeyEntry());
                // The master's health probe is a Kafka admin client with the same TLS settings.
                int http = masterContext.getBean(EmbeddedServer.class).getPort();
                HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + http + "/health")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), health.body());
                assertTrue(health.body().contains("\"kafkaReachable\":true"), health.body());
                assertTrue(plan.awaitRunning(WAIT), "the planner reaches RUNNING over TLS");
                try (ReplicaApplication r = ReplicaApplication.run(replica)) {
                    Run[] last = new Run[1];
                    await("tls-r1 IN_SYNC at version 1, read by icbd status over TLS").atMost(WAIT)
                            .pollInterval(Duration.ofMillis(500)).until(() -> {
                                last[0] = icbd("status", "--bootstrap", tls, "--kafka-properties",
                                        clientProperties.toString());
                                return last[0].exit() == 0 && last[0].out().lines()
                                        .anyMatch(l -> l.matches("tls-r1 +tls-site +" + IMAGE + " +1 +1 +IN_SYNC.*"));
                            });
                    Trees.assertSameTree(repository.imageDir(IMAGE).resolve("versions").resolve("1"),
                            replicaPool.root().resolve("images").resolve(IMAGE).resolve("versions").resolve("1"));
                }
            }
        }
    }

    /** The listener speaks TLS only, with the test's certificate: a client without it gets nowhere. */
    private static void assertTlsHandshake(String hostPort, TestCertificates certs) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(certs.trustStore())) {
            trust.load(in, certs.password().toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        String[] hp = hostPort.split(":");
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket(hp[0], Integer.parseInt(hp[1]))) {
            socket.startHandshake();
            assertEquals(trust.getCertificate("broker"), socket.getSession().getPeerCertificates()[0]);
        }
    }
}
