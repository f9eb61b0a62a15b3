package org.icbd.rcs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.ssh.SendServer;
import org.icbd.rcs.master.ssh.SendServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master side of the bench, run in a child JVM of its own ({@code icbd bench master-site}) so
 * that its memory can be read apart: the project's SSH send service over the bench's master pool,
 * started programmatically with its default settings, and a {@link ProbeServer} next to it.
 *
 * <p>Protocol: one line on stdout once listening ({@code ok ssh=<port> probe=<port> pid=<pid> java=<version>}), the host
 * key written to {@code hostKeyPin} as an OpenSSH public key line before it. It then serves until
 * its stdin ends: the bench closing it (or dying) ends the site. One command: {@code store}, answered
 * {@code ok productions=<n> hits=<n>} (the stream store's {@code btrfs send} runs and requests served
 * from a stored stream, so far).
 */
public final class MasterSite {

    private static final Logger LOG = LoggerFactory.getLogger(MasterSite.class);

    /**
     * @param pool               the master's pool (holding {@code images/<image>/versions/<n>})
     * @param host               the address to listen on
     * @param hostKeyFile        the SSH host key (generated when missing)
     * @param hostKeyPin         where to write the host's public key for the replica to pin
     * @param authorizedKeysFile the replica's public key
     */
    public record Settings(Path pool, String host, Path hostKeyFile, Path hostKeyPin, Path authorizedKeysFile) {
    }

    private MasterSite() {
    }

    public static int run(Settings settings, BufferedReader in, PrintWriter out) throws IOException {
        ImageRepository repository = new ImageRepository(settings.pool(), new CommandRunner());
        SendServerSettings ssh = SendServerSettings.defaults(settings.hostKeyFile(), settings.authorizedKeysFile())
                .withHost(settings.host()).withPort(0);
        try (SendServer server = SendServer.start(ssh, repository);
             ProbeServer probe = ProbeServer.start(settings.host())) {
            Files.writeString(settings.hostKeyPin(), server.hostKeyEntry() + "\n");
            Map<String, Object> ready = new LinkedHashMap<>();
            ready.put("ssh", server.port());
            ready.put("probe", probe.port());
            ready.put("pid", ProcessHandle.current().pid());
            ready.put("java", System.getProperty("java.version"));
            out.println(SiteReply.ok(ready).render());
            out.flush();
            LOG.info("bench master site serving {} on {}:{} (probe {})", settings.pool(), settings.host(),
                    server.port(), probe.port());
            for (String line; (line = in.readLine()) != null; ) {
                SiteReply reply = line.strip().equals("store")
                        ? SiteReply.ok(Map.of("productions", server.streams().productions(),
                        "hits", server.streams().hits()))
                        : SiteReply.error("the master site takes one command, store, not: " + line);
                out.println(reply.render());
                out.flush();
            }
            LOG.info("bench master site: stdin ended, stopping");
        }
        return 0;
    }
}
