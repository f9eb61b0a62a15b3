package org.icbd.rcs.master.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import org.icbd.rcs.master.stream.StreamInfo;

/**
 * One stored stream in {@code GET /streams}.
 *
 * @param parent      the delta's parent version; null for a full stream
 * @param compression {@code none}, {@code lz4} or {@code zstd}
 * @param bytes       the bytes stored: the stream's length once {@code complete}
 * @param complete    whether production finished
 * @param sha256      the SHA-256 of the stored stream, hex; null while it is being produced
 * @param sends       the {@code btrfs send} runs that produced it: 1
 * @param served      the send requests served from it since the master started
 * @param lastServed  when a send request last started reading it
 */
@Serdeable
public record StreamView(String image, int version, @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable Integer parent,
                         String compression, long bytes, boolean complete,
                         @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String sha256, int sends, long served,
                         Instant lastServed) {

    static StreamView of(StreamInfo i) {
        return new StreamView(i.image(), i.version(), i.parent(), i.compression(), i.bytes(), i.complete(), i.sha256(),
                i.sends(), i.served(), i.lastServed());
    }
}
