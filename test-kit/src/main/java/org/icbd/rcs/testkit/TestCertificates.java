package org.icbd.rcs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.icbd.rcs.command.CommandRunner;

/**
 * A broker certificate for {@code 127.0.0.1}, made by the JDK's {@code keytool} for one test: a
 * PKCS12 key store for the broker and a PKCS12 trust store holding its certificate for the clients.
 *
 * @param keyStore   the broker's private key and self-signed certificate
 * @param trustStore the certificate alone, what a client trusts
 * @param password   of both stores and of the key
 */
public record TestCertificates(Path keyStore, Path trustStore, String password) {

    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);

    /** Makes both stores under {@code dir}. */
    public static TestCertificates create(Path dir) {
        String password = "icbd-test-" + Long.toHexString(System.nanoTime());
        Path keyStore = dir.resolve("broker.p12");
        Path cert = dir.resolve("broker.crt");
        Path trustStore = dir.resolve("truststore.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        CommandRunner runner = new CommandRunner();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        runner.run(List.of(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", password,
                "-keypass", password), KEYTOOL_TIMEOUT);
        runner.run(List.of(keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(),
                "-storetype", "PKCS12", "-storepass", password, "-file", cert.toString()), KEYTOOL_TIMEOUT);
        runner.run(List.of(keytool, "-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(),
                "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", password), KEYTOOL_TIMEOUT);
        return new TestCertificates(keyStore, trustStore, password);
    }

    /** The client settings for a TLS listener signed by this certificate. */
    public Map<String, String> clientProperties() {
        return Map.of("security.protocol", "SSL",
                "ssl.truststore.location", trustStore.toString(),
                "ssl.truststore.password", password,
                "ssl.truststore.type", "PKCS12");
    }

    /** {@link #clientProperties()} as a Java properties file, as a cluster's {@code client.properties}. */
    public Path writeClientProperties(Path file) {
        Properties p = new Properties();
        p.putAll(clientProperties());
        try (var out = Files.newBufferedWriter(file)) {
            p.store(out, "TLS client settings for a test broker");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
