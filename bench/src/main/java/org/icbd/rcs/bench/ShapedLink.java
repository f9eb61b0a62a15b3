package org.icbd.rcs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two network namespaces the bench creates, one per site, joined by a veth pair whose master-side
 * end sends through a token bucket ({@code tc qdisc ... tbf}) at a given rate: the link between a
 * master and a replica site. Addresses exist only inside these namespaces ({@value #MASTER_ADDRESS}
 * and {@value #REPLICA_ADDRESS}), so nothing on the host's own network changes.
 *
 * <p>Only the master-to-replica direction is shaped: that is where the stream flows; the other way
 * carries acknowledgements and window adjustments.
 *
 * <p>Token bucket sizing for rate R (bytes/s): the bucket ({@code burst}) holds R/250 bytes, what
 * one tick of a 250 Hz kernel timer must release to sustain R (never less than 64 KiB, so that a
 * 64 KiB GSO segment passes whole); the queue ({@code latency}) holds {@value #LATENCY_MILLIS} ms at
 * R, enough for TCP to keep the link busy without building a long standing queue.
 */
final class ShapedLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShapedLink.class);

    static final String MASTER_ADDRESS = "10.231.0.1";
    static final String REPLICA_ADDRESS = "10.231.0.2";
    static final int LATENCY_MILLIS = 20;
    private static final String PREFIX = "/30";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)(k|m|g)?bit");
    private static final Pattern SENT = Pattern.compile("Sent (\\d+) bytes (\\d+) pkt \\(dropped (\\d+), overlimits (\\d+)");

    private final CommandRunner runner;
    private final String masterNs;
    private final String replicaNs;
    private final String masterDev;
    private final String replicaDev;
    private final long rateBitsPerSecond;
    private final long burstBytes;
    private boolean closed;

    private ShapedLink(CommandRunner runner, String tag, long rateBitsPerSecond) {
        this.runner = runner;
        this.masterNs = "icbd-bench-m-" + tag;
        this.replicaNs = "icbd-bench-r-" + tag;
        // Interface names are at most 15 characters.
        this.masterDev = "ibm" + tag;
        this.replicaDev = "ibr" + tag;
        this.rateBitsPerSecond = rateBitsPerSecond;
        this.burstBytes = Math.max(64 * 1024, rateBitsPerSecond / 8 / 250);
    }

    /** Parses a tc rate such as {@code 1gbit}, {@code 250mbit}, {@code 800kbit} into bits per second. */
    static long parseRate(String rate) {
        Matcher m = RATE.matcher(rate.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("--rate '" + rate + "' is not a rate: write e.g. 1gbit, 250mbit");
        }
        double n = Double.parseDouble(m.group(1));
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "k" -> 1_000L;
            case "m" -> 1_000_000L;
            default -> 1_000_000_000L;
        };
        long bits = (long) (n * unit);
        if (bits < 1_000_000) {
            throw new IllegalArgumentException("--rate '" + rate + "' is below 1mbit");
        }
        return bits;
    }

    /**
     * Creates both namespaces, the veth pair and the shaping; on failure removes what it made.
     *
     * @param tag makes the names unique to this bench run (its pid): at most 9 characters
     */
    static ShapedLink create(CommandRunner runner, String tag, long rateBitsPerSecond, boolean receiveOffload) {
        ShapedLink link = new ShapedLink(runner, tag, rateBitsPerSecond);
        try {
            link.setUp(receiveOffload);
        } catch (RuntimeException e) {
            try {
                link.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return link;
    }

    private void setUp(boolean receiveOffload) {
        ip("netns", "add", masterNs);
        ip("netns", "add", replicaNs);
        ip("link", "add", masterDev, "type", "veth", "peer", "name", replicaDev);
        ip("link", "set", masterDev, "netns", masterNs);
        ip("link", "set", replicaDev, "netns", replicaNs);
        ip("-n", masterNs, "addr", "add", MASTER_ADDRESS + PREFIX, "dev", masterDev);
        ip("-n", replicaNs, "addr", "add", REPLICA_ADDRESS + PREFIX, "dev", replicaDev);
        for (String[] nsDev : new String[][] {{masterNs, masterDev}, {replicaNs, replicaDev}}) {
            ip("-n", nsDev[0], "link", "set", "lo", "up");
            ip("-n", nsDev[0], "link", "set", nsDev[1], "up");
        }
        run(List.of("tc", "-n", masterNs, "qdisc", "add", "dev", masterDev, "root", "tbf",
                "rate", Long.toString(rateBitsPerSecond) + "bit",
                "burst", Long.toString(burstBytes),
                "latency", LATENCY_MILLIS + "ms"));
        if (receiveOffload) {
            // A NIC coalesces received segments (GRO) before the socket sees them; a veth does so only
            // when asked. Without it the replica reads the stream 1448 bytes at a time.
            run(List.of("ip", "netns", "exec", replicaNs, "ethtool", "-K", replicaDev, "gro", "on"));
        }
        LOG.info("shaped link {} ({}) -> {} ({}) at {} bit/s: {}", masterNs, MASTER_ADDRESS, replicaNs,
                REPLICA_ADDRESS, rateBitsPerSecond, qdisc());
    }

    String masterNamespace() {
        return masterNs;
    }

    String replicaNamespace() {
        return replicaNs;
    }

    long rateBitsPerSecond() {
        return rateBitsPerSecond;
    }

    long burstBytes() {
        return burstBytes;
    }

    /** The tbf as the kernel reports it ({@code tc qdisc show}): rate, burst, limit as applied. */
    String qdisc() {
        return runner.run(List.of("tc", "-n", masterNs, "qdisc", "show", "dev", masterDev), TIMEOUT).stdout().strip();
    }

    /** What the tbf has sent so far: bytes, packets, drops, overlimits. */
    QdiscCounters counters() {
        String out = runner.run(List.of("tc", "-s", "-n", masterNs, "qdisc", "show", "dev", masterDev), TIMEOUT)
                .stdout();
        Matcher m = SENT.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no counters in `tc -s qdisc show dev " + masterDev + "`: " + out);
        }
        return new QdiscCounters(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)));
    }

    /** Counters of the shaping qdisc; differences between two readings measure one transfer. */
    record QdiscCounters(long bytes, long packets, long dropped, long overlimits) {
        QdiscCounters minus(QdiscCounters before) {
            return new QdiscCounters(bytes - before.bytes, packets - before.packets, dropped - before.dropped,
                    overlimits - before.overlimits);
        }
    }

    private void ip(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        run(argv);
    }

    private void run(List<String> argv) {
        runner.run(argv, TIMEOUT);
    }

    /** Deletes both namespaces (the veth pair and its qdisc go with them). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        deleteNamespace(runner, masterNs);
        deleteNamespace(runner, replicaNs);
        // Only left in the host's namespace when setting up failed before it was moved.
        if (runner.runAnyExit(List.of("ip", "link", "show", "dev", masterDev), TIMEOUT).succeeded()) {
            runner.runAnyExit(List.of("ip", "link", "del", masterDev), TIMEOUT);
        }
    }

    /** Deletes a namespace if it exists; the bench's own leftovers after a crash go this way too. */
    static void deleteNamespace(CommandRunner runner, String ns) {
        try {
            if (namespaces(runner).contains(ns)) {
                runner.run(List.of("ip", "netns", "del", ns), TIMEOUT);
                LOG.info("deleted network namespace {}", ns);
            }
        } catch (CommandException e) {
            LOG.warn("cannot delete network namespace {}: {}", ns, e.getMessage());
        }
    }

    /** The names of the host's named network namespaces. */
    static List<String> namespaces(CommandRunner runner) {
        List<String> names = new ArrayList<>();
        for (String line : runner.run(List.of("ip", "netns", "list"), TIMEOUT).stdout().lines().toList()) {
            String name = line.strip().split("\\s+")[0];
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }
}
