package org.icbd.rcs.bench.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.icbd.rcs.bench.Bench;
import org.icbd.rcs.bench.BenchReport;
import org.icbd.rcs.bench.BenchSettings;
import org.icbd.rcs.bench.MasterSite;
import org.icbd.rcs.bench.ReplicaSite;
import org.icbd.rcs.bench.Route;
import org.icbd.rcs.ops.cli.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code icbd bench}: replication throughput against the raw btrfs pipe. The two hidden
 * subcommands are the bench's own child JVMs (a master site and a replica site).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure replication throughput: btrfs send | receive on this host (raw), then full and delta "
                + "steps pulled by a replica JVM from the master's SSH send service over loopback and over a "
                + "rate-limited veth link between two network namespaces, without and with LZ4; next to them the "
                + "peers, the plain OpenSSH pipe and btrbk (plain and lz4), through a private sshd on loopback "
                + "(installed when missing). Every case ends with the replica pool's flush. Needs root.",
                "Prints a table (case, bytes on the wire, seconds median and range, MB/s of stream, ratio to the "
                        + "raw pipe with its flush, peak RSS of the master and replica JVMs) and the targets (name, "
                        + "value, goal, met), and writes the same as JSON. "
                        + "Everything it creates (pools, JVMs, namespaces) is removed at the end, also on failure "
                        + "or Ctrl-C."},
        subcommands = {BenchCommand.MasterSiteCommand.class, BenchCommand.ReplicaSiteCommand.class},
        footer = {"", "Examples:", "  ops/bench                                   # 2 GiB, 3 repetitions, every case",
                "  ops/bench --size 512M --repeat 1 --cases raw,loopback",
                "  ops/bench --rate 250mbit --cases raw,link --json-out /tmp/bench.json",
                "  ops/bench --cases raw,loopback --site-java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java"})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "2G",
            description = "Image size: file tree (a quarter) plus disk image; at least 64M (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--repeat", defaultValue = "3", description = "Measurements per case (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--rate", defaultValue = "1gbit",
            description = "The link's rate, as tc writes it: 1gbit, 250mbit (default: ${DEFAULT-VALUE}).")
    String rate;

    @Option(names = "--cases", defaultValue = "raw,loopback,link,openssh,btrbk",
            description = "Which cases: some of raw, loopback, link, fanout, resume, cap, openssh, btrbk "
                    + "(default: ${DEFAULT-VALUE}).")
    String cases;

    @Option(names = "--work-dir", defaultValue = "/var/tmp/icbd-bench",
            description = "Pools, keys and logs go under it, in run-<pid>/ (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--json-out", description = "Where the JSON report goes "
            + "(default: $ICBD_BENCH_JSON_DIR or target/, bench-<timestamp>.json).")
    Path jsonOut;

    @Option(names = "--seed", defaultValue = "1", description = "The dataset's seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--update-fraction", defaultValue = "0.1",
            description = "Share of the disk image's blocks version 2 rewrites (default: ${DEFAULT-VALUE}).")
    double updateFraction;

    @Option(names = "--site-jvm-options", defaultValue = "-Xmx512m",
            description = "JVM options of the master and replica JVMs, space-separated; {site} becomes the "
                    + "site's name (master, replica-loopback, replica-link); the default is what ops/icbd gives "
                    + "the services (default: ${DEFAULT-VALUE}).")
    String siteJvmOptions;

    @Option(names = "--site-java",
            description = "The java binary of the master and replica JVMs, e.g. another JDK's "
                    + "/usr/lib/jvm/<jdk>/bin/java, to measure it (default: the one running the bench).")
    Path siteJava;

    @Option(names = "--link-gro", defaultValue = "false", arity = "1",
            description = "Whether the replica's end of the link coalesces received segments (GRO) as a NIC does; "
                    + "needs ethtool (default: ${DEFAULT-VALUE}).")
    boolean linkGro;

    @Option(names = "--max-pull-rate", defaultValue = "50M",
            description = "The cap case's replica cap, icbd.replica.max-pull-rate, in wire bytes per second "
                    + "(default: ${DEFAULT-VALUE}).")
    String maxPullRate;

    @Override
    public Integer call() {
        BenchSettings settings;
        try {
            settings = new BenchSettings(workDir, Sizes.parse(size, "--size"), repeat, rate, Route.parseList(cases),
                    jsonOut != null ? jsonOut : defaultJsonOut(), seed, updateFraction,
                    Arrays.stream(siteJvmOptions.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList(),
                    Optional.ofNullable(siteJava), linkGro, Sizes.parse(maxPullRate, "--max-pull-rate"));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Bench bench = new Bench(settings)) {
            BenchReport report = bench.run(line -> {
                out.println(line);
                out.flush();
            });
            out.println();
            report.print(out);
            report.writeJson(settings.jsonOut());
            out.println();
            out.println("report written to " + settings.jsonOut().toAbsolutePath());
            out.flush();
        }
        return 0;
    }

    private static Path defaultJsonOut() {
        String dir = Optional.ofNullable(System.getenv("ICBD_BENCH_JSON_DIR")).filter(s -> !s.isBlank()).orElse("target");
        return Path.of(dir, "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + ".json");
    }

    /** The bench's master site: the SSH send service in a JVM of its own. Not for operators. */
    @Command(name = "master-site", hidden = true, description = "The bench's master JVM (internal).")
    static final class MasterSiteCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--pool", required = true)
        Path pool;

        @Option(names = "--host", required = true)
        String host;

        @Option(names = "--host-key", required = true)
        Path hostKey;

        @Option(names = "--host-key-pin", required = true)
        Path hostKeyPin;

        @Option(names = "--authorized-keys", required = true)
        Path authorizedKeys;

        @Override
        public Integer call() throws Exception {
            return MasterSite.run(new MasterSite.Settings(pool, host, hostKey, hostKeyPin, authorizedKeys), stdin(),
                    spec.commandLine().getOut());
        }
    }

    /**
     * The bench's replica site: pulls steps on command with the replica's step runner, in a JVM (and
     * perhaps a namespace) of its own.
     */
    @Command(name = "replica-site", hidden = true, description = "The bench's replica JVM (internal).")
    static final class ReplicaSiteCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--root", required = true)
        Path root;

        @Option(names = "--master-host", required = true)
        String masterHost;

        @Option(names = "--master-port", required = true)
        int masterPort;

        @Option(names = "--host-key-pin", required = true)
        Path hostKeyPin;

        @Option(names = "--identity", required = true)
        Path identity;

        @Option(names = "--max-pull-rate", description = "Caps the pulls, wire bytes per second (none by default).")
        Long maxPullRate;

        @Option(names = "--relay", description = "Reach the master through a relay the cut command cuts.")
        boolean relay;

        @Override
        public Integer call() throws Exception {
            return ReplicaSite.run(new ReplicaSite.Settings(root, masterHost, masterPort, hostKeyPin, identity,
                            Optional.ofNullable(maxPullRate), relay),
                    stdin(), spec.commandLine().getOut());
        }
    }

    private static BufferedReader stdin() {
        return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }

}
