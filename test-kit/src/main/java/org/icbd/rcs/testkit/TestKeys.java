package org.icbd.rcs.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/** Key pairs for tests, written as OpenSSH files the way an operator would have them. */
public final class TestKeys {

    private TestKeys() {
    }

    public static KeyPair generate() {
        try {
            return KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a test key", e);
        }
    }

    /** Writes {@code key}'s unencrypted private key in OpenSSH format to {@code file}. */
    public static Path writePrivate(KeyPair key, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "test", null, out);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write " + file, e);
        }
        return file;
    }

    /** The public key as one OpenSSH line, {@code ecdsa-sha2-nistp256 AAAA...}. */
    public static String publicLine(KeyPair key) {
        return PublicKeyEntry.toString(key.getPublic());
    }
}
