package org.icbd.rcs.replica.pull;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * The master's host key the replica pins: only a master presenting exactly this key gets to feed
 * {@code btrfs receive}. Read from OpenSSH text, either a public key line
 * ({@code ssh-ed25519 AAAA... comment}, as in the master's {@code *.pub}) or known_hosts lines
 * ({@code [master.example]:2222 ssh-ed25519 AAAA...}), of which the first matching the master's
 * host and port is used.
 */
public final class HostKeyPin {

    private HostKeyPin() {
    }

    /**
     * @param text   the key text: one public key line, or known_hosts lines
     * @param host   the master's host, to pick a known_hosts line
     * @param port   the master's port, to pick a known_hosts line
     * @throws IllegalArgumentException saying why no key could be read
     */
    public static PublicKey parse(String text, String host, int port) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                lines.add(l);
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("no key: the text is empty");
        }
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            try {
                if (looksLikeKeyType(line.split("\\s+", 2)[0])) {
                    return resolve(AuthorizedKeyEntry.parseAuthorizedKeyEntry(line));
                }
                KnownHostEntry entry = KnownHostEntry.parseKnownHostEntry(line);
                if (entry == null || entry.getKeyEntry() == null) {
                    problems.add("'" + abbreviate(line) + "' is neither a public key nor a known_hosts line");
                } else if (entry.getMarker() != null && !entry.getMarker().isEmpty()) {
                    problems.add("known_hosts line with marker @" + entry.getMarker() + " is not a pinned key");
                } else if (entry.isHostMatch(host, port)) {
                    return resolve(entry.getKeyEntry());
                } else {
                    problems.add("known_hosts line for other hosts skipped");
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                problems.add("'" + abbreviate(line) + "' cannot be read: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("no key for " + (port == 22 ? host : "[" + host + "]:" + port) + ": "
                + String.join("; ", problems));
    }

    private static PublicKey resolve(AuthorizedKeyEntry entry) throws IOException, GeneralSecurityException {
        PublicKey key = entry.resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.FAILING);
        if (key == null) {
            throw new IllegalArgumentException("key type " + entry.getKeyType() + " is not supported");
        }
        return key;
    }

    private static boolean looksLikeKeyType(String token) {
        return token.startsWith("ssh-") || token.startsWith("ecdsa-") || token.startsWith("sk-");
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
