package org.icbd.rcs.master.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.List;
import java.util.Objects;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public-key authentication against an OpenSSH {@code authorized_keys} file that is re-read
 * whenever its size, modification time or identity changed since the last read. Checked at every
 * authentication (one {@code stat} per connection), so a key an operator adds works for the very
 * next connection. A file that cannot be read or parsed rejects everyone until it is fixed.
 */
final class AuthorizedKeys implements PublickeyAuthenticator {

    private static final Logger log = LoggerFactory.getLogger(AuthorizedKeys.class);

    private record Loaded(Object fileKey, long size, long modifiedNanos, List<PublicKey> keys) {
    }

    private final Path file;
    private Loaded loaded = new Loaded(null, -1, -1, List.of());

    AuthorizedKeys(Path file) {
        this.file = file;
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        return current().stream().anyMatch(k -> KeyUtils.compareKeys(k, key));
    }

    /** The keys as the file holds them now. */
    synchronized List<PublicKey> current() {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            log.warn("authorized keys file {} cannot be read ({}): rejecting every key", file, e.toString());
            loaded = new Loaded(null, -1, -1, List.of());
            return List.of();
        }
        long modified = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        if (Objects.equals(attrs.fileKey(), loaded.fileKey()) && attrs.size() == loaded.size()
                && modified == loaded.modifiedNanos()) {
            return loaded.keys();
        }
        List<PublicKey> keys;
        try {
            List<AuthorizedKeyEntry> entries = AuthorizedKeyEntry.readAuthorizedKeys(file);
            keys = List.copyOf(PublicKeyEntry.resolvePublicKeyEntries(null, entries, PublicKeyEntryResolver.FAILING));
            log.info("loaded {} authorized keys from {}", keys.size(), file);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            log.warn("authorized keys file {} cannot be parsed ({}): rejecting every key until it is fixed", file,
                    e.toString());
            keys = List.of();
        }
        loaded = new Loaded(attrs.fileKey(), attrs.size(), modified, keys);
        return keys;
    }
}
