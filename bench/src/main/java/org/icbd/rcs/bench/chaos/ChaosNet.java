package org.icbd.rcs.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network of a chaos run: every replica in a network namespace of its own ({@code icbd-chaos-<pid>-<n>}),
 * joined to the host by a veth pair on a private /24 ({@code 10.233.<16s+n>.0/24}: the host side .1, the
 * namespace side .2, its default route via the host side). The broker, the master and the planner stay in
 * the host's namespace; what the replicas reach them on is {@link #hostAddress()}, a /32 on the host's
 * {@code lo} (labelled {@code lo:icbdc<pid>}), which no link fault touches.
 *
 * <p>Faults act on the host side of a replica's veth: {@link #cut} sets it down (every packet of that
 * replica, to the master and to the broker, is lost until {@link #restore}); {@link #crawl} puts a token
 * bucket ({@code tc qdisc ... tbf}) on it, slowing what flows towards the replica.
 *
 * <p>{@link #close} removes every namespace, veth, qdisc and address it made; {@link #create} first
 * removes those of runs whose process is gone ({@link #cleanStale}), so a crashed run leaves nothing for
 * long. The pid in every name keeps runs at the same time apart.
 */
final class ChaosNet implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChaosNet.class);

    static final String NAMESPACE_PREFIX = "icbd-chaos-";
    /** Interface names are at most 15 characters: {@code icbdc<pid>h<n>} and {@code icbdc<pid>n<n>}. */
    static final String DEVICE_PREFIX = "icbdc";
    static final int SLOTS = 16;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern NAMESPACE = Pattern.compile(Pattern.quote(NAMESPACE_PREFIX) + "(\\d+)-\\d+");
    private static final Pattern DEVICE = Pattern.compile(DEVICE_PREFIX + "(\\d+)[hn]\\d+");
    private static final Pattern LABEL = Pattern.compile("inet (\\S+) .*\\blo:" + DEVICE_PREFIX + "(\\d+)\\b");

    /** One replica's link: its namespace, the veth's two ends and their addresses. */
    record Link(String namespace, String hostDevice, String namespaceDevice, String hostSide, String namespaceSide) {
    }

    private final CommandRunner runner;
    private final long pid;
    private final String hostAddress;
    private final Map<String, Link> links = new LinkedHashMap<>();
    private boolean closed;

    private ChaosNet(CommandRunner runner, long pid, String hostAddress) {
        this.runner = runner;
        this.pid = pid;
        this.hostAddress = hostAddress;
    }

    /**
     * Removes what crashed runs left, then makes a namespace per replica; on failure removes what it made.
     *
     * @throws IllegalStateException when every address slot is taken by a running run
     */
    static ChaosNet create(CommandRunner runner, List<String> replicas) {
        cleanStale(runner);
        long pid = ProcessHandle.current().pid();
        String addresses = runner.run(List.of("ip", "-o", "-4", "addr", "show"), TIMEOUT).stdout();
        ChaosNet net = null;
        int slot = -1;
        for (int i = 0; i < SLOTS && net == null; i++) {
            int s = (int) ((pid + i) % SLOTS);
            if (addresses.contains(" 10.233." + 16 * s + ".")) {
                continue;
            }
            ChaosNet candidate = new ChaosNet(runner, pid, "10.233." + 16 * s + ".1");
            try {
                candidate.run("ip", "addr", "add", candidate.hostAddress + "/32", "dev", "lo", "label",
                        "lo:" + DEVICE_PREFIX + pid);
                net = candidate;
                slot = s;
            } catch (CommandException e) {
                // A campaign that started at the same moment took this slot first: try the next one.
                LOG.debug("chaos: slot {} taken meanwhile: {}", s, e.getMessage());
            }
        }
        if (net == null) {
            throw new IllegalStateException("every chaos address slot (10.233.0.0/16) is in use by " + SLOTS
                    + " running campaigns: wait for one to end");
        }
        try {
            int n = 0;
            for (String replica : replicas) {
                n++;
                net.add(replica, n, "10.233." + (16 * slot + n));
            }
        } catch (RuntimeException e) {
            try {
                net.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return net;
    }

    private void add(String replica, int n, String subnet) {
        Link link = new Link(NAMESPACE_PREFIX + pid + "-" + n, DEVICE_PREFIX + pid + "h" + n,
                DEVICE_PREFIX + pid + "n" + n, subnet + ".1", subnet + ".2");
        links.put(replica, link);
        run("ip", "netns", "add", link.namespace());
        run("ip", "link", "add", link.hostDevice(), "type", "veth", "peer", "name", link.namespaceDevice());
        run("ip", "link", "set", link.namespaceDevice(), "netns", link.namespace());
        run("ip", "addr", "add", link.hostSide() + "/24", "dev", link.hostDevice());
        run("ip", "link", "set", link.hostDevice(), "up");
        run("ip", "-n", link.namespace(), "addr", "add", link.namespaceSide() + "/24", "dev", link.namespaceDevice());
        run("ip", "-n", link.namespace(), "link", "set", "lo", "up");
        run("ip", "-n", link.namespace(), "link", "set", link.namespaceDevice(), "up");
        run("ip", "-n", link.namespace(), "route", "add", "default", "via", link.hostSide());
        LOG.info("chaos: replica {} in network namespace {} ({} via {} on {})", replica, link.namespace(),
                link.namespaceSide(), link.hostSide(), link.hostDevice());
    }

    /** The host's address every replica reaches the broker, the master and the relays on. */
    String hostAddress() {
        return hostAddress;
    }

    /** The replica's network namespace. */
    String namespace(String replica) {
        return link(replica).namespace();
    }

    Link link(String replica) {
        Link l = links.get(replica);
        if (l == null) {
            throw new IllegalArgumentException("no link for replica " + replica);
        }
        return l;
    }

    /** The link goes down: nothing reaches the replica or leaves it until {@link #restore}. */
    void cut(String replica) {
        run("ip", "link", "set", link(replica).hostDevice(), "down");
    }

    /** What flows towards the replica is held to {@code bytesPerSecond} by a token bucket until {@link #restore}. */
    void crawl(String replica, long bytesPerSecond) {
        // The bucket holds about two packets, the queue a second at the rate: the stream trickles.
        run("tc", "qdisc", "replace", "dev", link(replica).hostDevice(), "root", "tbf",
                "rate", bytesPerSecond * 8 + "bit", "burst", "3200", "latency", "1s");
    }

    /** Back to a clean link: up (waiting until both ends carry, a few seconds at most), without a token bucket. */
    void restore(String replica) {
        Link l = link(replica);
        run("ip", "link", "set", l.hostDevice(), "up");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(carries(List.of("ip", "-o", "link", "show", "dev", l.hostDevice()))
                && carries(List.of("ip", "-n", l.namespace(), "-o", "link", "show", "dev", l.namespaceDevice())))) {
            if (System.nanoTime() > deadline) {
                LOG.warn("chaos: the link of {} is not up 10 s after it was restored", replica);
                break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (runner.runAnyExit(List.of("tc", "qdisc", "show", "dev", l.hostDevice()), TIMEOUT).stdout().contains("tbf")) {
            run("tc", "qdisc", "del", "dev", l.hostDevice(), "root");
        }
    }

    private boolean carries(List<String> show) {
        String line = runner.run(show, TIMEOUT).stdout();
        return line.contains("LOWER_UP") && line.contains("state UP");
    }

    /** The qdisc on the replica's host side, as {@code tc} shows it. */
    String qdisc(String replica) {
        return runner.run(List.of("tc", "qdisc", "show", "dev", link(replica).hostDevice()), TIMEOUT).stdout().strip();
    }

    /** Deletes every namespace (its veth and qdisc go with it) and the host address. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        removeRun(runner, pid);
    }

    /**
     * Removes what runs whose process is gone left: namespaces, veths and host addresses named
     * with their pid.
     */
    static void cleanStale(CommandRunner runner) {
        for (long pid : pidsInUse(runner)) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            LOG.warn("chaos: removing the network namespaces of an earlier run (pid {}) that did not end cleanly", pid);
            removeRun(runner, pid);
        }
    }

    /** The pids that name namespaces, devices or host addresses of chaos runs. */
    static List<Long> pidsInUse(CommandRunner runner) {
        List<Long> pids = new ArrayList<>();
        for (String line : runner.run(List.of("ip", "netns", "list"), TIMEOUT).stdout().lines().toList()) {
            Matcher m = NAMESPACE.matcher(line.strip().split("\\s+")[0]);
            if (m.matches()) {
                addOnce(pids, Long.parseLong(m.group(1)));
            }
        }
        for (String device : devices(runner)) {
            Matcher m = DEVICE.matcher(device);
            if (m.matches()) {
                addOnce(pids, Long.parseLong(m.group(1)));
            }
        }
        Matcher m = LABEL.matcher(runner.run(List.of("ip", "-o", "-4", "addr", "show", "dev", "lo"), TIMEOUT).stdout());
        while (m.find()) {
            addOnce(pids, Long.parseLong(m.group(2)));
        }
        return pids;
    }

    private static void addOnce(List<Long> pids, long pid) {
        if (!pids.contains(pid)) {
            pids.add(pid);
        }
    }

    private static List<String> devices(CommandRunner runner) {
        List<String> names = new ArrayList<>();
        for (String line : runner.run(List.of("ip", "-o", "link", "show"), TIMEOUT).stdout().lines().toList()) {
            // "7: icbdc123h1@if6: <BROADCAST,...": the name, without the peer.
            String[] parts = line.split(":\\s+", 3);
            if (parts.length >= 2) {
                names.add(parts[1].split("@")[0]);
            }
        }
        return names;
    }

    /** Removes one run's namespaces, host-side veths and host address; what is already gone is skipped. */
    private static void removeRun(CommandRunner runner, long pid) {
        List<String> failures = new ArrayList<>();
        for (String line : runner.run(List.of("ip", "netns", "list"), TIMEOUT).stdout().lines().toList()) {
            String ns = line.strip().split("\\s+")[0];
            Matcher m = NAMESPACE.matcher(ns);
            if (m.matches() && Long.parseLong(m.group(1)) == pid) {
                attempt(runner, failures, "ip", "netns", "del", ns);
            }
        }
        for (String device : devices(runner)) {
            Matcher m = DEVICE.matcher(device);
            if (m.matches() && Long.parseLong(m.group(1)) == pid) {
                attempt(runner, failures, "ip", "link", "del", device);
            }
        }
        Matcher m = LABEL.matcher(runner.run(List.of("ip", "-o", "-4", "addr", "show", "dev", "lo"), TIMEOUT).stdout());
        while (m.find()) {
            if (Long.parseLong(m.group(2)) == pid) {
                attempt(runner, failures, "ip", "addr", "del", m.group(1), "dev", "lo");
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("chaos: could not remove " + String.join("; ", failures)
                    + ": remove them by hand (ip netns del / ip link del / ip addr del)");
        }
        LOG.info("chaos: network namespaces of run {} removed", pid);
    }

    private static void attempt(CommandRunner runner, List<String> failures, String... argv) {
        try {
            runner.run(List.of(argv), TIMEOUT);
        } catch (CommandException e) {
            // Gone in the meantime (a veth goes with its namespace) is fine.
            LOG.debug("chaos: {}: {}", String.join(" ", argv), e.getMessage());
            if (!e.getMessage().toLowerCase(Locale.ROOT).contains("cannot find")
                    && !e.getMessage().toLowerCase(Locale.ROOT).contains("does not exist")) {
                failures.add(String.join(" ", argv) + " (" + e.getMessage() + ")");
            }
        }
    }

    private void run(String... argv) {
        runner.run(List.of(argv), TIMEOUT);
    }

    /** Whether the replica's namespace exists, for tests. */
    Optional<String> existing(String replica) {
        String ns = namespace(replica);
        return runner.run(List.of("ip", "netns", "list"), TIMEOUT).stdout().lines()
                .map(l -> l.strip().split("\\s+")[0]).filter(ns::equals).findFirst();
    }
}
