package org.icbd.rcs.replica.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.replica.disk.VersionStore;

/** The versions a driver test's replica holds, in memory; {@link ScriptedSteps} adds what it applies. */
public final class MemoryVersions implements VersionStore {

    private final Map<String, List<HeldVersion>> held = new HashMap<>();

    @Override
    public synchronized List<HeldVersion> held(String image) {
        return held.getOrDefault(image, List.of()).stream().sorted(Comparator.comparingInt(HeldVersion::version))
                .toList();
    }

    public synchronized void add(String image, HeldVersion version) {
        held.computeIfAbsent(image, i -> new ArrayList<>()).add(version);
    }

    @Override
    public synchronized void deleteVersion(String image, int version) {
        held.getOrDefault(image, new ArrayList<>()).removeIf(h -> h.version() == version);
    }

    /** A path nothing is at: versions in memory have no directory. */
    @Override
    public Path versionDir(String image, int version) {
        return Path.of("/memory", image, "versions", String.valueOf(version));
    }
}
