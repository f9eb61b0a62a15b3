package org.icbd.rcs.ops.cli;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.icbd.rcs.master.service.MasterApplication;
import org.icbd.rcs.master.service.MasterService;
import org.icbd.rcs.master.service.MasterSettings;
import org.icbd.rcs.master.service.MasterStartException;
import org.icbd.rcs.ops.ready.ReadyFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code icbd master}: the master site's long-running service. */
@Command(name = "master", mixinStandardHelpOptions = true,
        description = "The master site's service: serves send streams over SSH and the HTTP admin API.",
        subcommands = {MasterCommand.Serve.class})
final class MasterCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: serve");
    }

    /** {@code icbd master serve}: runs until stopped (SIGTERM / Ctrl-C). */
    @Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                    "Run the master service until stopped: serve transfer requests over SSH (public keys from the"
                            + " authorized-keys file only) and the HTTP admin API (/health, /images,"
                            + " /images/<image>/versions, each version with what protects it,"
                            + " /images/<image>/retention). At start and every reconcile interval it publishes the versions on disk that Kafka lacks, publishes as"
                            + " retired the versions whose snapshots are gone and, with --keep, prunes.",
                    "Settings come from application-master.yml, then ICBD_MASTER_* environment variables"
                            + " (ICBD_MASTER_POOL, ICBD_MASTER_SSH_PORT, ...), then these flags, which win.",
                    "",
                    "Example:",
                    "  icbd master serve --pool /srv/icbd --name hq --bootstrap kafka1:9092 \\",
                    "      --authorized-keys /etc/icbd/master/authorized_keys --ssh-port 2222 --http-port 8080 --keep 5",
                    "",
                    "Exit codes: 0 stopped, 1 refused to start (the message names the setting)."})
    static final class Serve implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--pool", paramLabel = "DIR", description = "The btrfs pool (icbd.master.pool).")
        Path pool;

        @Option(names = "--name", paramLabel = "NAME", description = "This master's site name (icbd.master.name).")
        String name;

        @Option(names = "--ssh-host", paramLabel = "ADDR", description = "Address SSH listens on (icbd.master.ssh-host).")
        String sshHost;

        @Option(names = "--ssh-port", paramLabel = "PORT", description = "SSH port (icbd.master.ssh-port, default "
                + MasterSettings.DEFAULT_SSH_PORT + ").")
        Integer sshPort;

        @Option(names = "--host-key", paramLabel = "FILE",
                description = "SSH host key, generated on first start (icbd.master.host-key-file).")
        Path hostKey;

        @Option(names = "--authorized-keys", paramLabel = "FILE",
                description = "The replicas' public keys (icbd.master.authorized-keys-file).")
        Path authorizedKeys;

        /** {@code --bootstrap} (icbd.master.kafka.bootstrap-servers) and pass-through properties. */
        @CommandLine.Mixin
        KafkaOptions kafka = new KafkaOptions();

        @Option(names = "--max-sends", paramLabel = "N",
                description = "Concurrent sends (icbd.master.max-concurrent-sends, default "
                        + MasterSettings.DEFAULT_MAX_CONCURRENT_SENDS + ").")
        Integer maxSends;

        @Option(names = "--send-queue-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How long a request waits for a send slot (icbd.master.send-queue-timeout, default 5m).")
        Duration sendQueueTimeout;

        @Option(names = "--stream-budget", paramLabel = "BYTES",
                description = "Size the stored streams keep within, least recently served evicted first"
                        + " (icbd.master.stream-budget; default 10% of the pool's free space at start).")
        Long streamBudget;

        @Option(names = "--zstd-level", paramLabel = "N",
                description = "zstd level of compress=zstd streams, 1-19 (icbd.master.zstd-level, default "
                        + MasterSettings.DEFAULT_ZSTD_LEVEL + ").")
        Integer zstdLevel;

        @Option(names = "--max-send-rate", paramLabel = "BYTES_PER_S",
                description = "Cap on all sends together, smooth (icbd.master.max-send-rate; default none).")
        Long maxSendRate;

        @Option(names = "--publish-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Kafka acknowledgement timeout (icbd.master.publish-timeout, default 15s).")
        Duration publishTimeout;

        @Option(names = "--http-port", paramLabel = "PORT",
                description = "HTTP admin API port (icbd.master.http-port, default "
                        + MasterSettings.DEFAULT_HTTP_PORT + ").")
        Integer httpPort;

        @Option(names = "--keep", paramLabel = "N",
                description = "Retention: keep each image's newest N versions and every subscribed replica's next"
                        + " parent, retire the rest after each reconciliation (icbd.master.keep; unset: prune nothing).")
        Integer keep;

        @Option(names = "--reconcile-interval", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How often disk and topic are reconciled and retention applied"
                        + " (icbd.master.reconcile-interval, default 30s).")
        Duration reconcileInterval;

        @Option(names = "--offline-limit", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "A replica OFFLINE for longer protects nothing and will re-seed"
                        + " (icbd.master.offline-limit, default 30d).")
        Duration offlineLimit;

        /** The flags given, as settings; flags not given leave the other sources in charge. */
        Map<String, Object> properties() {
            Map<String, Object> p = new HashMap<>();
            String prefix = MasterSettings.PREFIX + ".";
            put(p, prefix + "pool", pool);
            put(p, prefix + "name", name);
            put(p, prefix + "ssh-host", sshHost);
            put(p, prefix + "ssh-port", sshPort);
            put(p, prefix + "host-key-file", hostKey);
            put(p, prefix + "authorized-keys-file", authorizedKeys);
            put(p, prefix + "max-concurrent-sends", maxSends);
            put(p, prefix + "send-queue-timeout", sendQueueTimeout);
            put(p, prefix + "stream-budget", streamBudget);
            put(p, prefix + "zstd-level", zstdLevel);
            put(p, prefix + "max-send-rate", maxSendRate);
            put(p, prefix + "publish-timeout", publishTimeout);
            put(p, prefix + "http-port", httpPort);
            p.putAll(kafka.asSettings(prefix + "kafka"));
            put(p, prefix + "keep", keep);
            put(p, prefix + "reconcile-interval", reconcileInterval);
            put(p, prefix + "offline-limit", offlineLimit);
            return p;
        }

        private static void put(Map<String, Object> p, String key, Object value) {
            if (value != null) {
                p.put(key, value instanceof Path || value instanceof Duration ? value.toString() : value);
            }
        }

        @Override
        public Integer call() throws InterruptedException {
            ApplicationContext context;
            try {
                context = MasterApplication.run(properties());
            } catch (MasterStartException e) {
                spec.commandLine().getErr().println("icbd master serve: " + e.getMessage());
                return 1;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                context.close();
                stopped.countDown();
            }, "icbd-master-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            MasterService master = context.getBean(MasterService.class);
            spec.commandLine().getOut().println("master " + master.settings().getName() + " serving pool "
                    + master.repository().pool() + ": ssh port " + master.sshPort() + " (host key "
                    + master.hostKeyFingerprint() + "), http port "
                    + context.getBean(EmbeddedServer.class).getPort());
            spec.commandLine().getOut().flush();
            ReadyFile.announce(Map.of("ssh-port", master.sshPort(),
                    "http-port", context.getBean(EmbeddedServer.class).getPort()));
            stopped.await();
            return 0;
        }
    }
}
