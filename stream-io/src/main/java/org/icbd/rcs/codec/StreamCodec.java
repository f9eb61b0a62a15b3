package org.icbd.rcs.codec;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.icbd.rcs.events.Compression;

/**
 * The one place a send stream is encoded and decoded, on the sending side (the master, a serving
 * replica) and on the receiving side alike, so both ends always agree on the frame format of each
 * {@link Compression}.
 *
 * <ul>
 *   <li>{@link Compression#NONE}: the btrfs send stream as it is;
 *   <li>{@link Compression#LZ4}: an LZ4 frame stream with 4 MB blocks (measured as fast as 64 KB ones
 *       with the same ratio; one block buffered per stream);
 *   <li>{@link Compression#ZSTD}: a Zstandard frame stream at the encoder's level, with the frame
 *       checksum.
 * </ul>
 *
 * A stream is whole only when its encoder was closed: closing writes the codec's end mark, so a
 * decoder reading a cut stream fails rather than returning a short one.
 */
public final class StreamCodec {

    /** Zstandard's own default: roughly lz4's speed class on these streams with a better ratio. */
    public static final int DEFAULT_ZSTD_LEVEL = 3;
    public static final int MIN_ZSTD_LEVEL = 1;
    /** Levels above 19 ("ultra") need a decoder window the receiving side should not have to grant. */
    public static final int MAX_ZSTD_LEVEL = 19;

    static final LZ4FrameOutputStream.BLOCKSIZE LZ4_BLOCK = LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB;

    private final int zstdLevel;

    /** @param zstdLevel the Zstandard level, {@value #MIN_ZSTD_LEVEL}..{@value #MAX_ZSTD_LEVEL} */
    public StreamCodec(int zstdLevel) {
        this.zstdLevel = checkZstdLevel(zstdLevel);
    }

    /** A codec at the default levels. */
    public static StreamCodec defaults() {
        return new StreamCodec(DEFAULT_ZSTD_LEVEL);
    }

    /** {@code level} if it is a Zstandard level this codec uses, else an error giving the range. */
    public static int checkZstdLevel(int level) {
        if (level < MIN_ZSTD_LEVEL || level > MAX_ZSTD_LEVEL) {
            throw new IllegalArgumentException("zstd level " + level + " is out of range " + MIN_ZSTD_LEVEL + "-"
                    + MAX_ZSTD_LEVEL);
        }
        return level;
    }

    public int zstdLevel() {
        return zstdLevel;
    }

    /**
     * An encoder writing {@code compression}'s encoding of what it is given to {@code out}. Closing it
     * finishes the encoding and closes {@code out}. For {@link Compression#NONE} it is {@code out}.
     */
    public OutputStream encoder(Compression compression, OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        return switch (Objects.requireNonNull(compression, "compression")) {
            case NONE -> out;
            case LZ4 -> new LZ4FrameOutputStream(out, LZ4_BLOCK);
            // The frame checksum makes a decoder fail on corrupted bytes instead of passing them on.
            case ZSTD -> new ZstdOutputStream(out, zstdLevel).setChecksum(true);
        };
    }

    /**
     * A decoder reading {@code compression}'s encoding from {@code in}. Closing it closes {@code in}.
     * An LZ4 decoder reads the frame header here, so this may block and throw like a read.
     */
    public static InputStream decoder(Compression compression, InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        return switch (Objects.requireNonNull(compression, "compression")) {
            case NONE -> in;
            case LZ4 -> new LZ4FrameInputStream(in);
            case ZSTD -> new ZstdInputStream(in);
        };
    }
}
