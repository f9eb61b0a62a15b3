package org.icbd.rcs.replica.stage;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * One step's stream as it arrives, kept in a file in staging: the download appends to it, and any
 * number of readers ({@link #follow()}) read it from its first byte while it grows, so that {@code btrfs
 * receive} never waits for the download to end. The file outlives a cut connection: the next attempt
 * reopens it ({@link #open}), resumes the download at its {@link #length()} and receives it again from
 * the start.
 *
 * <p>The bytes are the stream as the master stores it (encoded with the step's codec), so the file's
 * length is the offset to resume at, and its SHA-256 is comparable with the master's. The digest is
 * kept up to date as bytes are appended; reopening an existing file hashes what it holds once.
 *
 * <p>Invariants: {@link #length()} only grows while the file is open; a follower never reads past it;
 * a follower reads end of stream only once the download {@linkplain #complete() completed}, and fails
 * once it {@linkplain #fail failed}, so a truncated stream never passes for a whole one. One thread
 * appends; followers may run on others.
 */
public final class StagedStream implements AutoCloseable {

    private static final int HASH_BUFFER = 1 << 20;

    private final Path file;
    private final FileChannel out;
    private final MessageDigest digest;
    private final Object lock = new Object();
    private final long resumedAt;
    private long length;
    private boolean complete;
    private IOException failure;

    private StagedStream(Path file, FileChannel out, MessageDigest digest, long length) {
        this.file = file;
        this.out = out;
        this.digest = digest;
        this.length = length;
        this.resumedAt = length;
    }

    /**
     * Opens {@code file} for appending, creating it when absent; the bytes it holds are kept and hashed.
     */
    public static StagedStream open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        MessageDigest digest = newDigest();
        FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long size = out.size();
            ByteBuffer buffer = ByteBuffer.allocate(HASH_BUFFER);
            long position = 0;
            while (position < size) {
                buffer.clear();
                int n = out.read(buffer, position);
                if (n < 0) {
                    break;
                }
                buffer.flip();
                digest.update(buffer);
                position += n;
            }
            out.position(position);
            return new StagedStream(file, out, digest, position);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** The bytes held: where a resumed download starts. */
    public long length() {
        synchronized (lock) {
            return length;
        }
    }

    /** The length the file had when it was opened: 0 for a new download. */
    public long resumedAt() {
        return resumedAt;
    }

    /** Appends {@code n} bytes of {@code b} and wakes the followers. The appending thread only. */
    public void append(byte[] b, int off, int n) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(b, off, n);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        digest.update(b, off, n);
        synchronized (lock) {
            length += n;
            lock.notifyAll();
        }
    }

    /** The download reached the end of the stream: followers read end of stream after the last byte. */
    public void complete() {
        synchronized (lock) {
            complete = true;
            lock.notifyAll();
        }
    }

    /** The download ended without the whole stream: followers fail with {@code cause} once they catch up. */
    public void fail(IOException cause) {
        Objects.requireNonNull(cause, "cause");
        synchronized (lock) {
            if (failure == null && !complete) {
                failure = cause;
            }
            lock.notifyAll();
        }
    }

    /** Whether the download completed. */
    public boolean isComplete() {
        synchronized (lock) {
            return complete;
        }
    }

    /** The SHA-256 of the bytes held, as lower-case hex. The appending thread, or once appending ended. */
    public String sha256() {
        try {
            MessageDigest copy = (MessageDigest) digest.clone();
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests can be cloned in every JDK", e);
        }
    }

    /**
     * A reader of the stream from its first byte that waits for bytes not yet downloaded. It reads end
     * of stream only after {@link #complete()}, fails after {@link #fail}, and fails when interrupted.
     */
    public InputStream follow() throws IOException {
        return new Follower(FileChannel.open(file, StandardOpenOption.READ));
    }

    /** Deletes the file (a stream that is promoted, corrupt or refused). Closes it first. */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    /** Makes the bytes held durable, so that a restart can resume from them. */
    public void force() throws IOException {
        if (out.isOpen()) {
            out.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        if (out.isOpen()) {
            out.close();
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Reads the file from byte 0, following the download. */
    private final class Follower extends InputStream {

        private final FileChannel in;
        private long position;

        Follower(FileChannel in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            long available = awaitBytes();
            if (available == 0) {
                return -1;
            }
            int want = (int) Math.min(len, available);
            int n = in.read(ByteBuffer.wrap(b, off, want), position);
            if (n < 0) {
                throw new IOException(file + " is shorter than the " + (position + available)
                        + " bytes written to it: it was truncated behind the download");
            }
            position += n;
            return n;
        }

        /** Bytes readable at {@link #position} now; 0 at the end of a complete stream. */
        private long awaitBytes() throws IOException {
            synchronized (lock) {
                while (true) {
                    if (length > position) {
                        return length - position;
                    }
                    if (failure != null) {
                        throw new IOException("the download of " + file.getFileName() + " ended after " + length
                                + " bytes: " + failure.getMessage(), failure);
                    }
                    if (complete) {
                        return 0;
                    }
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for " + file.getFileName());
                    }
                }
            }
        }

        @Override
        public int available() {
            synchronized (lock) {
                return (int) Math.min(Integer.MAX_VALUE, Math.max(0, length - position));
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The failure the download was ended with; empty while it runs or after it completed. */
    public Optional<IOException> failure() {
        synchronized (lock) {
            return Optional.ofNullable(failure);
        }
    }
}
