package org.icbd.rcs.master.stream;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;

/**
 * One stored stream and what is known of it: the file it is in, how many bytes are there, whether
 * production completed (then its length and SHA-256) or failed, and how it was used. Readers
 * follow the writer through {@link #awaitBeyond}: the writer publishes a byte count only after
 * the bytes are in the file, so a reader never reads past what was written.
 *
 * <p>Thread-safe; all state is guarded by this object's monitor.
 */
final class StoredStream {

    enum State { PRODUCING, COMPLETE, FAILED }

    private final StreamKey key;
    private Path file;
    private State state;
    private long written;
    private String sha256;
    private Throwable failure;
    private int sends;
    private long served;
    private int readers;
    private Instant lastServed;
    /** Whether the file is under its final name with its sidecar: only then may it be evicted. */
    private boolean persisted;

    private StoredStream(StreamKey key, Path file, State state, long written, String sha256, int sends,
                         Instant lastServed) {
        this.key = key;
        this.file = file;
        this.state = state;
        this.written = written;
        this.sha256 = sha256;
        this.sends = sends;
        this.lastServed = lastServed;
        this.persisted = state == State.COMPLETE;
    }

    /** A stream about to be produced into {@code part}. */
    static StoredStream producing(StreamKey key, Path part, Instant now) {
        return new StoredStream(key, part, State.PRODUCING, 0, null, 1, now);
    }

    /** A complete stream found on disk at start. */
    static StoredStream complete(StreamKey key, Path file, long length, String sha256, Instant lastServed) {
        return new StoredStream(key, file, State.COMPLETE, length, sha256, 1, lastServed);
    }

    StreamKey key() {
        return key;
    }

    synchronized Path file() {
        return file;
    }

    synchronized State state() {
        return state;
    }

    synchronized long written() {
        return written;
    }

    synchronized Optional<String> sha256() {
        return Optional.ofNullable(sha256);
    }

    synchronized int readers() {
        return readers;
    }

    synchronized Instant lastServed() {
        return lastServed;
    }

    synchronized boolean evictable() {
        return state == State.COMPLETE && persisted && readers == 0;
    }

    /** Opens the file where it is now (the writer renames it once, under this monitor). */
    synchronized FileChannel openChannel() throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /** A request holds the stream (it is not evicted) until {@link #detach}. */
    synchronized void attach() {
        readers++;
    }

    synchronized void detach() {
        readers--;
    }

    /** A send request starts reading it. */
    synchronized void served(Instant now) {
        served++;
        lastServed = now;
    }

    /** The writer appended {@code n} bytes to the file. */
    synchronized void advance(long n) {
        written += n;
        notifyAll();
    }

    /** Production ended well: readers reach the end; the file may still be {@code .part}. */
    synchronized void completed(String sha) {
        sha256 = sha;
        state = State.COMPLETE;
        notifyAll();
    }

    /** The file is durable under its final name, with its sidecar. */
    synchronized void persisted(Path finalFile) {
        file = finalFile;
        persisted = true;
    }

    synchronized void failed(Throwable cause) {
        failure = cause;
        state = State.FAILED;
        notifyAll();
    }

    /**
     * Waits until more than {@code position} bytes are in the file, or production ended.
     *
     * @return the bytes in the file now
     * @throws StreamProductionException if production failed
     */
    synchronized long awaitBeyond(long position) throws InterruptedException, StreamProductionException {
        while (written <= position && state == State.PRODUCING) {
            wait();
        }
        if (state == State.FAILED) {
            throw new StreamProductionException(key, failure);
        }
        return written;
    }

    /** Waits for the end of production; the complete length. */
    synchronized long awaitComplete() throws InterruptedException, StreamProductionException {
        while (state == State.PRODUCING) {
            wait();
        }
        if (state == State.FAILED) {
            throw new StreamProductionException(key, failure);
        }
        return written;
    }

    synchronized StreamInfo info() {
        return new StreamInfo(key.image(), key.version(), key.parent().orElse(null), key.compression().code(),
                written, state == State.COMPLETE, sha256, sends, served, lastServed);
    }
}
