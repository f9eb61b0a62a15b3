package org.icbd.rcs.ops.cli;

import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.icbd.rcs.ops.ready.ReadyFile;
import org.icbd.rcs.replica.service.ReplicaApplication;
import org.icbd.rcs.replica.service.ReplicaMain;
import org.icbd.rcs.replica.service.TaskLoopDeath;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code icbd replica ...}: the replica service. */
@Command(name = "replica", mixinStandardHelpOptions = true,
        description = "The replica service: pulls versions from the master, applies, verifies and reports them.",
        subcommands = {ReplicaCommand.Run.class, CommandLine.HelpCommand.class})
public final class ReplicaCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (run)");
    }

    /**
     * {@code icbd replica run}: runs one replica until SIGTERM or Ctrl-C. Settings come from
     * {@code --config}, the environment ({@code ICBD_REPLICA_*}) and the flags, the flags winning.
     */
    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                    "Runs the replica service until SIGTERM or Ctrl-C: registers, heartbeats, consumes its"
                            + " replication tasks, pulls each step from the master over SSH into <pool>/.incoming,"
                            + " verifies and promotes it into <pool>/images/<image>/versions/<n>, and reports.",
                    "Settings come from --config (YAML, icbd.replica.*), the environment (ICBD_REPLICA_POOL=...),"
                            + " and these flags, which win. A bad setting stops it at start, naming the setting.",
                    "A task's compression wins over --compression."},
            footer = {"", "Example:",
                    "  icbd replica run --id lab-110-a --site lab-110 --pool /srv/icbd \\",
                    "      --bootstrap kafka1:9092 --master-host master.example --master-port 2222 \\",
                    "      --master-host-key-file /etc/icbd/master_host_key.pub \\",
                    "      --private-key /etc/icbd/replica_key --subscribe ubuntu:3 --subscribe win11",
                    "",
                    "Serving its site, and pulling from a peer of the site when a task says so:",
                    "  icbd replica run ... --serve --serve-authorized-keys-file /etc/icbd/replica/authorized_keys \\",
                    "      --peer id=lab-110-b,host=cache-b.lab-110,port=2222,host-key-file=/etc/icbd/peers/lab-110-b.pub"})
    static final class Run implements java.util.concurrent.Callable<Integer> {

        private static final String P = "icbd.replica.";

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--config", paramLabel = "FILE", description = "YAML file with icbd.replica.* settings")
        Path config;

        @Option(names = "--id", description = "replica id, a name ([a-z0-9][a-z0-9._-]{0,63})")
        String id;

        @Option(names = "--site", description = "site name")
        String site;

        @Option(names = "--pool", paramLabel = "DIR", description = "the btrfs pool holding images/ and .incoming/")
        Path pool;

        @Option(names = "--subscribe", paramLabel = "IMAGE[:KEEP]",
                description = "subscribe to an image, keeping KEEP newest versions (default 2); repeatable")
        List<String> subscriptions;

        /** {@code --bootstrap} (icbd.replica.kafka.bootstrap-servers, default 127.0.0.1:9092) and pass-through properties. */
        @CommandLine.Mixin
        KafkaOptions kafka = new KafkaOptions();

        @Option(names = "--master-host", paramLabel = "HOST", description = "the master's SSH send service")
        String masterHost;

        @Option(names = "--master-port", paramLabel = "PORT", description = "its port (default 2222)")
        Integer masterPort;

        @Option(names = "--master-host-key-file", paramLabel = "FILE",
                description = "the master's pinned host key: an OpenSSH public key or known_hosts lines")
        Path masterHostKeyFile;

        @Option(names = "--master-host-key", paramLabel = "LINE",
                description = "the master's pinned host key as one line (instead of the file)")
        String masterHostKey;

        @Option(names = "--ssh-user", paramLabel = "USER", description = "SSH user on the master (default icbd)")
        String sshUser;

        @Option(names = "--private-key", paramLabel = "FILE", description = "this replica's SSH private key")
        Path privateKey;

        @Option(names = "--compression", paramLabel = "none|lz4", description = "stream encoding when a task names none (default lz4)")
        String compression;

        @Option(names = "--heartbeat", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "heartbeat interval (default 10s)")
        Duration heartbeat;

        @Option(names = "--progress-interval", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "progress report cadence (default 2s)")
        Duration progressInterval;

        @Option(names = "--retry-initial", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "first backoff after a transient failure (default 1s)")
        Duration retryInitial;

        @Option(names = "--retry-max", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "longest backoff; a transient failure is retried this often until it passes"
                        + " (default 10s)")
        Duration retryMax;

        @Option(names = "--retry-attempts", paramLabel = "N", description = "attempts with a growing backoff (default 5)")
        Integer retryAttempts;

        @Option(names = "--http-port", paramLabel = "PORT",
                description = "serve /metrics (Prometheus) and /health on PORT; -1 any free port; 0 off (the default)")
        Integer httpPort;

        @Option(names = "--serve", description = "serve the versions this replica holds to its site's replicas"
                + " (the master's SSH send service, this replica's own host key and authorized keys)")
        Boolean serve;

        @Option(names = "--serve-host", paramLabel = "HOST", description = "address to serve on (default 0.0.0.0)")
        String serveHost;

        @Option(names = "--serve-port", paramLabel = "PORT", description = "port to serve on (default 2222; 0 any free)")
        Integer servePort;

        @Option(names = "--serve-advertised-host", paramLabel = "HOST",
                description = "the address announced to the planner (default: --serve-host, or this host's name)")
        String serveAdvertisedHost;

        @Option(names = "--serve-host-key-file", paramLabel = "FILE",
                description = "this replica's serving host key, generated at first start and kept"
                        + " (default /etc/icbd/replica/serve_host_key; FILE.pub is written for its downstreams)")
        Path serveHostKeyFile;

        @Option(names = "--serve-authorized-keys-file", paramLabel = "FILE",
                description = "public keys of the site's replicas it feeds (default /etc/icbd/replica/authorized_keys)")
        Path serveAuthorizedKeysFile;

        @Option(names = "--serve-max-downstreams", paramLabel = "N",
                description = "replicas it feeds at once, announced to the planner (default 2)")
        Integer serveMaxDownstreams;

        @Option(names = "--peer", paramLabel = "id=ID,host=HOST[,port=PORT],host-key-file=FILE",
                description = {"a serving replica of this site to trust as a source (repeatable; replaces the"
                        + " config file's icbd.replica.peers); host-key=LINE instead of host-key-file pins it inline"})
        List<String> peers;

        @Option(names = "--set", paramLabel = "NAME=VALUE",
                description = "any other setting by its full name, e.g. --set icbd.replica.ssh.stall-timeout=120s")
        Map<String, String> extra;

        @Override
        public Integer call() {
            Map<String, Object> properties = new LinkedHashMap<>();
            if (config != null) {
                properties.putAll(readConfig(config));
            }
            if (extra != null) {
                properties.putAll(extra);
            }
            put(properties, "id", id);
            put(properties, "site", site);
            put(properties, "pool", pool);
            put(properties, "subscriptions", subscriptions == null ? null : List.copyOf(subscriptions));
            put(properties, "master.host", masterHost);
            put(properties, "master.port", masterPort);
            put(properties, "master.host-key-file", masterHostKeyFile);
            put(properties, "master.host-key", masterHostKey);
            put(properties, "ssh.user", sshUser);
            put(properties, "ssh.private-key-file", privateKey);
            put(properties, "compression", compression);
            put(properties, "heartbeat-interval", heartbeat);
            put(properties, "progress-interval", progressInterval);
            put(properties, "retry.initial-backoff", retryInitial);
            put(properties, "retry.max-backoff", retryMax);
            put(properties, "retry.max-attempts", retryAttempts);
            put(properties, "http.port", httpPort);
            put(properties, "serve.enabled", serve == null ? null : serve.toString());
            put(properties, "serve.host", serveHost);
            put(properties, "serve.port", servePort);
            put(properties, "serve.advertised-host", serveAdvertisedHost);
            put(properties, "serve.host-key-file", serveHostKeyFile);
            put(properties, "serve.authorized-keys-file", serveAuthorizedKeysFile);
            put(properties, "serve.max-downstreams", serveMaxDownstreams);
            if (peers != null) {
                properties.keySet().removeIf(k -> k.startsWith(P + "peers"));
                put(properties, "peers", peers.stream().map(this::peer).toList());
            }
            properties.putAll(kafka.asSettings(P + "kafka"));

            ReplicaApplication replica = ReplicaApplication.run(properties);
            CompletableFuture<Void> stopped = new CompletableFuture<>();
            Thread hook = new Thread(() -> {
                replica.close();
                stopped.complete(null);
            }, "icbd-replica-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            spec.commandLine().getOut().println("icbd replica: " + replica.service().config().replicaId()
                    + " is running; SIGTERM or Ctrl-C stops it");
            spec.commandLine().getOut().flush();
            Map<String, String> ready = new LinkedHashMap<>();
            ready.put("replica", replica.service().config().replicaId());
            replica.httpPort().ifPresent(port -> ready.put("http-port", String.valueOf(port)));
            ReadyFile.announce(ready);
            Object first;
            try {
                first = CompletableFuture.anyOf(stopped, replica.service().death()).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                replica.close();
                return 0;
            } catch (ExecutionException e) {
                throw new IllegalStateException("waiting for the replica to stop failed", e.getCause());
            }
            if (first instanceof TaskLoopDeath death) {
                // The heartbeat has stopped with the loop; exiting lets systemd restart the service
                // instead of leaving a process that looks alive and does nothing.
                spec.commandLine().getErr().println("icbd replica: " + replica.service().config().replicaId()
                        + ": the task loop died (" + death.reason() + "); exiting with status "
                        + ReplicaMain.EXIT_TASK_LOOP_DIED + " so that the service manager restarts it");
                spec.commandLine().getErr().flush();
                return ReplicaMain.EXIT_TASK_LOOP_DIED;
            }
            return 0;
        }

        /** {@code id=lab-b,host=cache-b,port=2222,host-key-file=/etc/icbd/peers/lab-b.pub} as a peer entry. */
        private Map<String, Object> peer(String flag) {
            Map<String, Object> entry = new LinkedHashMap<>();
            for (String part : flag.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--peer '" + flag + "': expected"
                            + " key=value pairs separated by commas, as in id=lab-b,host=cache-b,port=2222,"
                            + "host-key-file=/etc/icbd/peers/lab-b.pub");
                }
                entry.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
            }
            return entry;
        }

        private static void put(Map<String, Object> properties, String name, Object value) {
            if (value != null) {
                properties.put(P + name, value instanceof Path p ? p.toString()
                        : value instanceof Duration d ? d.toMillis() + "ms" : value);
            }
        }

        private static Map<String, Object> readConfig(Path file) {
            try (InputStream in = Files.newInputStream(file)) {
                return new YamlPropertySourceLoader().read(file.getFileName().toString(), in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --config " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
