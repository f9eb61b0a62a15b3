package org.icbd.rcs.master.stream;

import java.time.Instant;

/**
 * What the store says of one stored stream ({@code GET /streams}).
 *
 * @param parent      the delta's parent; null for a full stream
 * @param compression the codec's wire code: {@code none}, {@code lz4}, {@code zstd}
 * @param bytes       the bytes stored so far: the stream's length once complete
 * @param complete    whether production finished; only then is {@code sha256} known
 * @param sha256      the SHA-256 of the whole stored stream, hex; null while producing
 * @param sends       the {@code btrfs send} runs that produced it: 1
 * @param served      the send requests served from it since the master started
 * @param lastServed  when a request last started reading it (eviction drops the least recent first)
 */
public record StreamInfo(String image, int version, Integer parent, String compression, long bytes, boolean complete,
                         String sha256, int sends, long served, Instant lastServed) {
}
