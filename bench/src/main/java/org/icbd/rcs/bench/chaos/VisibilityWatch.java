package org.icbd.rcs.bench.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.icbd.rcs.bench.fleet.Fleet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls every replica's {@code versions/} and {@code current} while faults run. A version visible
 * there must be complete: read-only, its {@code received_uuid} the master's uuid, every file equal
 * to the master's (checksums); {@code current} must resolve to such a version. A replica's newest
 * held version must never go back (that would be a lost version). Each version is checked once.
 */
final class VisibilityWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VisibilityWatch.class);

    /** One harm seen, during the fault named. */
    record Violation(String fault, String kind, String what) {
    }

    private final Fleet fleet;
    private final List<String> images;
    private final Supplier<String> currentFault;
    private final Set<String> verified = new HashSet<>();
    private final Map<String, Integer> newest = new HashMap<>();
    final List<Violation> violations = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    volatile long polls;

    VisibilityWatch(Fleet fleet, List<String> images, Supplier<String> currentFault) {
        this.fleet = fleet;
        this.images = List.copyOf(images);
        this.currentFault = currentFault;
        this.thread = new Thread(this::loop, "chaos-visibility-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!closed) {
            try {
                pollOnce();
                polls++;
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("visibility watch: poll failed: {}", e.toString());
            }
        }
    }

    void pollOnce() {
        for (Fleet.Replica r : fleet.replicas()) {
            String id = r.id();
            for (String image : images) {
                Path dir = r.pool().resolve("images").resolve(image);
                Path versions = dir.resolve("versions");
                List<Integer> held = new ArrayList<>();
                if (Files.isDirectory(versions)) {
                    try (var list = Files.list(versions)) {
                        list.map(p -> p.getFileName().toString()).filter(n -> n.matches("[1-9][0-9]*"))
                                .map(Integer::parseInt).forEach(held::add);
                    } catch (IOException e) {
                        continue;
                    }
                }
                for (int v : held) {
                    check(id, image, v, versions.resolve(String.valueOf(v)));
                }
                int top = held.stream().mapToInt(Integer::intValue).max().orElse(0);
                String pair = id + "/" + image;
                Integer before = newest.get(pair);
                if (before != null && top < before) {
                    record("lost", pair + ": the newest held version went from " + before + " to " + top);
                }
                newest.merge(pair, top, Math::max);
                Path current = dir.resolve("current");
                if (Files.isSymbolicLink(current)) {
                    try {
                        Path target = dir.resolve(Files.readSymbolicLink(current));
                        String name = target.getFileName().toString();
                        if (!Files.isDirectory(target) || !name.matches("[1-9][0-9]*")) {
                            if (Files.isSymbolicLink(current)) {
                                record("partial_visible", pair + ": current points at " + target + ", not a held version");
                            }
                        } else {
                            check(id, image, Integer.parseInt(name), target);
                        }
                    } catch (IOException e) {
                        // Switched while reading: the next poll looks again.
                    }
                }
            }
        }
    }

    private void check(String id, String image, int version, Path path) {
        String key = id + "/" + image + "/" + version;
        if (verified.contains(key)) {
            return;
        }
        try {
            Fleet.VersionCheck c = fleet.verify(id, image, version);
            if (c.ok()) {
                verified.add(key);
            } else if (Files.isDirectory(path)) {
                verified.add(key);
                record("partial_visible", key + ": read-only " + c.readOnly() + ", received_uuid matches "
                        + c.uuidMatches() + ", files " + (c.comparison().identical() ? "identical"
                        : "differ: " + c.comparison().differences().stream().limit(3).toList()));
            }
        } catch (RuntimeException e) {
            if (Files.isDirectory(path)) {
                // Retention may delete it while it is read; only a version that stays and cannot be read is harm.
                LOG.debug("visibility watch: {} unreadable for now: {}", key, e.toString());
            }
        }
    }

    private void record(String kind, String what) {
        LOG.warn("chaos: {}: {}", kind, what);
        violations.add(new Violation(currentFault.get(), kind, what));
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
