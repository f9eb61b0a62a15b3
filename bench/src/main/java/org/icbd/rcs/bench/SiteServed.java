package org.icbd.rcs.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.icbd.rcs.events.Sources;

/**
 * What each source served one site of replicas in one fanout measurement, as the replicas counted
 * it: the wire bytes of their steps grouped by the source each step was pulled from (the {@code
 * wire} and {@code source} of their {@code pull} replies), and one step's stream.
 *
 * @param wireBySource wire bytes by source id ({@link Sources#MASTER} or a peer's)
 * @param streamBytes  the stream of one step (every replica pulled the same one)
 */
record SiteServed(Map<String, Long> wireBySource, long streamBytes) {

    /** The bound of {@code fanout-master-bytes-per-site}: the master serves each version once per site. */
    static final double TARGET_MASTER_STREAMS_PER_SITE = 1.05;

    SiteServed {
        wireBySource = Collections.unmodifiableMap(new TreeMap<>(wireBySource));
        if (streamBytes <= 0) {
            throw new IllegalArgumentException("a step's stream has bytes, got " + streamBytes);
        }
    }

    /**
     * Groups the replies' wire bytes by their source. One stream is the master's (a received
     * snapshot sends a few bytes more than the master's original: its stream differs slightly), the
     * smallest when several steps came from it, or the smallest of all when none did.
     */
    static SiteServed of(List<SiteReply> replies) {
        if (replies.isEmpty()) {
            throw new IllegalArgumentException("no replies");
        }
        Map<String, Long> bySource = new LinkedHashMap<>();
        for (SiteReply reply : replies) {
            bySource.merge(reply.text("source"), reply.number("wire"), Long::sum);
        }
        List<SiteReply> fromMaster = replies.stream().filter(r -> r.text("source").equals(Sources.MASTER)).toList();
        long stream = (fromMaster.isEmpty() ? replies : fromMaster).stream().mapToLong(r -> r.number("stream")).min()
                .orElseThrow();
        return new SiteServed(bySource, stream);
    }

    /** The master's wire bytes for this site. */
    long master() {
        return wireBySource.getOrDefault(Sources.MASTER, 0L);
    }

    /** The peers' wire bytes for this site, by peer id. */
    Map<String, Long> peers() {
        Map<String, Long> peers = new TreeMap<>(wireBySource);
        peers.remove(Sources.MASTER);
        return peers;
    }

    /** The master's bytes for this site in streams: 1 when it served the version once. */
    double masterStreams() {
        return (double) master() / streamBytes;
    }

    /**
     * {@code fanout-master-bytes-per-site}: the master's bytes for a site of {@code width} replicas
     * through a peer (the median over the measurements), at most {@value #TARGET_MASTER_STREAMS_PER_SITE}
     * streams; the detail sets it beside the plain fanout's (every replica from the master), when that ran.
     * Empty when the peer case did not run.
     */
    static Optional<Target> masterBytesPerSite(List<SiteServed> throughPeer, List<SiteServed> plain, int width) {
        if (throughPeer.isEmpty()) {
            return Optional.empty();
        }
        SiteServed peer = median(throughPeer);
        StringBuilder detail = new StringBuilder(String.format(Locale.ROOT,
                "through a peer: the master %d bytes (%.2fx one stream of %d bytes)", peer.master(),
                peer.masterStreams(), peer.streamBytes()));
        peer.peers().forEach((id, bytes) -> detail.append(String.format(Locale.ROOT, ", peer %s %d bytes (%.2fx)", id,
                bytes, (double) bytes / peer.streamBytes())));
        if (!plain.isEmpty()) {
            SiteServed p = median(plain);
            detail.append(String.format(Locale.ROOT, "; plain fanout %d: the master %d bytes (%.2fx)", width,
                    p.master(), p.masterStreams()));
        }
        return Optional.of(new Target("fanout-master-bytes-per-site", peer.master(), String.format(Locale.ROOT,
                "fanout peer %d: the master serves the delta once per site of %d replicas, its bytes at most %.2fx "
                        + "one stream", width, width, TARGET_MASTER_STREAMS_PER_SITE),
                peer.masterStreams() <= TARGET_MASTER_STREAMS_PER_SITE, detail.toString()));
    }

    /** The measurement whose master bytes are the median (the lower middle one for an even count). */
    private static SiteServed median(List<SiteServed> measured) {
        List<SiteServed> sorted = measured.stream()
                .sorted((a, b) -> Long.compare(a.master(), b.master())).toList();
        return sorted.get((sorted.size() - 1) / 2);
    }
}
