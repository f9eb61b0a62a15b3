package org.icbd.rcs.master.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.icbd.rcs.codec.StreamCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's stored streams, under {@code <pool>/.streams/<image>/}: each step's stream (image,
 * version, parent or none, codec) is produced once by {@code btrfs send} and the codec, written to a
 * file while it is served, and shared by every request for the same step. Readers follow the
 * writer while the stream is being produced, and read the file alone once it is complete.
 *
 * <pre>
 * &lt;name&gt;.part   being produced (deleted at start: a production that did not complete is never served)
 * &lt;name&gt;        complete, once {@code .part} was flushed and renamed
 * &lt;name&gt;.meta   {@code length=<n> sha256=<hex>}, written atomically after the rename: a data
 *               file without it is incomplete too (deleted at start)
 * </pre>
 *
 * <p>Size: the complete and producing streams together stay within the budget by evicting complete
 * streams nobody is reading, least recently served first; a stream being produced is never evicted
 * (one step larger than the budget is still stored, alone). Production also stops, and its stream
 * is discarded, when the pool's free space falls under a reserve, so the store never fills the pool.
 *
 * <p>Integrity: a request served from offset 0 of a complete stream hashes what it reads and
 * compares it at the end with the recorded SHA-256 (a request following production reads what the
 * producer has just hashed, and is not checked again); a mismatch (the file changed on disk) drops
 * the stored stream and fails the request, so the client, which checks the hash itself, starts again and gets a freshly
 * produced stream. A file found shorter than its recorded length is dropped the same way.
 *
 * <p>Streams of retired versions are deleted by {@code ImageRepository.deleteStoredStreams} (same
 * names); the store notices a vanished file at the next request or listing and forgets it.
 */
public final class StreamStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamStore.class);

    public static final String PART = ".part";
    public static final String META = ".meta";
    static final String TMP = ".tmp";
    /** The default budget: this share of the pool's free space when the store starts. */
    public static final double DEFAULT_BUDGET_FRACTION = 0.10;
    /** Production stops when the pool's free space falls under this share of its size. */
    public static final double RESERVE_FRACTION = 0.02;
    /** How often production checks the budget and the free space. */
    static final long CHECK_EVERY_BYTES = 16L * 1024 * 1024;
    static final int COPY_BUFFER_BYTES = 1024 * 1024;
    private static final Pattern META_LINE = Pattern.compile("length=(0|[1-9][0-9]{0,18}) sha256=([0-9a-f]{64})\n?");

    /** Where a step's raw {@code btrfs send} stream comes from; opened only when the step is produced. */
    @FunctionalInterface
    public interface Send {
        /** The raw stream; its {@code close()} throws when btrfs send failed (see SendStreamSource). */
        InputStream open() throws IOException;
    }

    /** The answer to {@code icbd-stat/1}. */
    public record Stat(long length, String sha256) {
        /** The line {@code icbd-stat/1} prints: {@code length=<n> sha256=<hex>}. */
        public String line() {
            return "length=" + length + " sha256=" + sha256;
        }
    }

    private final Path dir;
    private final long budgetBytes;
    private final long reserveBytes;
    private final StreamCodec codec;
    private final Clock clock;
    private final Map<StreamKey, StoredStream> streams = new HashMap<>();
    private final Map<StoredStream, InputStream> producing = new ConcurrentHashMap<>();
    private final ExecutorService producers;
    private volatile boolean closed;

    /**
     * Opens the store in {@code dir} (created if missing): deletes every stream whose production did
     * not complete, and takes over the complete ones.
     *
     * @param budgetBytes the size the stored streams keep within
     */
    public StreamStore(Path dir, long budgetBytes, StreamCodec codec) {
        this(dir, budgetBytes, codec, Clock.systemUTC());
    }

    StreamStore(Path dir, long budgetBytes, StreamCodec codec, Clock clock) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("a stream budget must be at least 1 byte, got " + budgetBytes);
        }
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
        this.budgetBytes = budgetBytes;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            Files.createDirectories(this.dir);
            FileStore fileStore = Files.getFileStore(this.dir);
            this.reserveBytes = (long) (fileStore.getTotalSpace() * RESERVE_FRACTION);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the stream store " + this.dir + ": " + e, e);
        }
        recover();
        AtomicInteger count = new AtomicInteger();
        this.producers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "icbd-stream-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        log.info("stream store {}: {} stored streams, {} bytes, budget {} bytes, free-space reserve {} bytes", this.dir,
                streams.size(), storedBytes(), budgetBytes, reserveBytes);
    }

    /** {@link #DEFAULT_BUDGET_FRACTION} of the free space of the filesystem holding {@code pool}, now. */
    public static long defaultBudget(Path pool) {
        try {
            return Math.max(1, (long) (Files.getFileStore(pool).getUsableSpace() * DEFAULT_BUDGET_FRACTION));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + pool + ": " + e, e);
        }
    }

    public Path dir() {
        return dir;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    public StreamCodec codec() {
        return codec;
    }

    /**
     * The stream of {@code key} from byte {@code offset}: the stored bytes, following production if
     * it is still running; produced now (by {@code send}) when it is not stored and the offset is 0.
     * The returned stream's {@code close()} must be called.
     *
     * @throws StreamRefusedException the offset is beyond the end, or the stream is not stored and the
     *                                offset is not 0
     * @throws StreamProductionException production failed (cause: btrfs's failure, a full pool, ...)
     */
    public InputStream open(StreamKey key, long offset, Send send)
            throws StreamRefusedException, IOException, InterruptedException {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, got " + offset);
        }
        StoredStream entry;
        synchronized (this) {
            entry = current(key);
            if (entry == null) {
                if (offset > 0) {
                    throw new StreamRefusedException(StreamRefusedException.Reason.NOT_STORED, "the stream of "
                            + key + " is no longer stored here (evicted, retired or never completed), so offset "
                            + offset + " cannot be served: request it again from offset 0");
                }
                entry = startProduction(key, send);
            }
            entry.attach();
        }
        boolean handedOver = false;
        try {
            if (offset > 0) {
                long available = entry.awaitBeyond(offset - 1);
                if (available < offset) {
                    throw new StreamRefusedException(StreamRefusedException.Reason.PAST_END, "offset " + offset
                            + " is past the end of the stream of " + key + ", which is " + available
                            + " bytes long: request it again from offset 0");
                }
            }
            // Read back from disk, a stream is checked against its hash; followed while it is produced,
            // its bytes are the producer's own, just hashed: checking them again would double the cost.
            boolean verify = offset == 0 && entry.state() == StoredStream.State.COMPLETE;
            FollowingReader reader = new FollowingReader(entry, offset, verify);
            entry.served(clock.instant());
            handedOver = true;
            return reader;
        } finally {
            if (!handedOver) {
                entry.detach();
            }
        }
    }

    /** Length and SHA-256 of {@code key}'s stream, producing it first (by {@code send}) if it is not stored. */
    public Stat stat(StreamKey key, Send send) throws IOException, InterruptedException {
        StoredStream entry;
        synchronized (this) {
            entry = current(key);
            if (entry == null) {
                entry = startProduction(key, send);
            }
            entry.attach();
        }
        try {
            long length = entry.awaitComplete();
            return new Stat(length, entry.sha256().orElseThrow());
        } finally {
            entry.detach();
        }
    }

    /** Every stored stream (complete or being produced), sorted by image, version, parent, codec. */
    public List<StreamInfo> list() {
        List<StoredStream> all;
        synchronized (this) {
            all = new ArrayList<>(streams.values());
        }
        List<StreamInfo> infos = new ArrayList<>();
        for (StoredStream entry : all) {
            synchronized (this) {
                if (current(entry.key()) != entry) {
                    continue;
                }
            }
            infos.add(entry.info());
        }
        infos.sort(Comparator.comparing(StreamInfo::image).thenComparingInt(StreamInfo::version)
                .thenComparing(i -> i.parent() == null ? 0 : i.parent()).thenComparing(StreamInfo::compression));
        return infos;
    }

    /** The bytes of all stored streams, complete and producing. */
    public synchronized long storedBytes() {
        return streams.values().stream().mapToLong(StoredStream::written).sum();
    }

    /**
     * Forgets and deletes the streams of {@code image} that involve {@code version} (as the version or
     * a delta's parent) and that nobody is reading or producing.
     *
     * @return how many were deleted
     */
    public synchronized int removeVersion(String image, int version) {
        int removed = 0;
        for (StoredStream entry : new ArrayList<>(streams.values())) {
            if (entry.key().image().equals(image) && entry.key().involves(version) && entry.evictable()) {
                drop(entry, "version " + version + " retired");
                removed++;
            }
        }
        return removed;
    }

    /** Stops every production (its readers fail) and forgets the streams; complete files stay. */
    @Override
    public void close() {
        closed = true;
        producers.shutdownNow();
        producing.values().forEach(StreamStore::abandon);
    }

    /** The entry for {@code key} if its stream is still there: a complete file deleted behind our back is forgotten. */
    private StoredStream current(StreamKey key) {
        StoredStream entry = streams.get(key);
        if (entry == null) {
            return null;
        }
        StoredStream.State state = entry.state();
        if (state == StoredStream.State.FAILED
                || state == StoredStream.State.COMPLETE && !Files.isRegularFile(entry.file(), LinkOption.NOFOLLOW_LINKS)) {
            streams.remove(key, entry);
            log.info("stored stream of {} is gone from {}: forgotten", key, entry.file());
            return null;
        }
        return entry;
    }

    private StoredStream startProduction(StreamKey key, Send send) throws IOException {
        if (closed) {
            throw new IOException("the stream store is closed: the master is shutting down");
        }
        Path imageDir = dir.resolve(key.image());
        Files.createDirectories(imageDir);
        Path part = imageDir.resolve(key.fileName() + PART);
        // A leftover of an abandoned production of the same key (its reader still open) is replaced.
        Files.deleteIfExists(part);
        // Created here, not by the producer: the first reader opens it at once.
        Files.createFile(part);
        StoredStream entry = StoredStream.producing(key, part, clock.instant());
        streams.put(key, entry);
        try {
            producers.execute(() -> produce(entry, send));
        } catch (RejectedExecutionException e) {
            streams.remove(key, entry);
            throw new IOException("the stream store is closed: the master is shutting down", e);
        }
        return entry;
    }

    private void produce(StoredStream entry, Send send) {
        StreamKey key = entry.key();
        Path part = entry.file();
        Path finalFile = part.resolveSibling(key.fileName());
        Path meta = part.resolveSibling(key.fileName() + META);
        long startNanos = System.nanoTime();
        MessageDigest sha = sha256();
        InputStream raw = null;
        long rawBytes = 0;
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE)) {
            log.info("producing the stream of {} into {}", key, part);
            raw = send.open();
            producing.put(entry, raw);
            if (closed) {
                throw new IOException("the stream store closed");
            }
            OutputStream encoder = codec.encoder(key.compression(), new Appending(channel, entry, sha));
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            int n;
            while ((n = raw.read(buffer)) >= 0) {
                encoder.write(buffer, 0, n);
                rawBytes += n;
            }
            // Only a send that exited 0 is whole: close() waits for btrfs send and throws if it failed.
            raw.close();
            // Writes the codec's end mark; Appending leaves the channel open.
            encoder.close();
            String hex = HexFormat.of().formatHex(sha.digest());
            long length = entry.written();
            synchronized (this) {
                // Before any reader of this stream sees its end: the budget holds once a request is served.
                makeRoom(entry);
                entry.completed(hex);
            }
            // Readers end now; making the file durable is off their path. Until the sidecar exists the
            // stream is not evictable, and a crash before it leaves a stream that the next start deletes.
            channel.force(false);
            synchronized (entry) {
                // Under the entry's monitor: a reader opening now finds the file under its final name.
                Files.move(part, finalFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                writeMeta(meta, new Stat(length, hex));
                entry.persisted(finalFile);
            }
            long millis = Math.max(1, (System.nanoTime() - startNanos) / 1_000_000);
            log.info("stored the stream of {}: {} bytes from btrfs send, {} stored, sha256 {}, in {} ms", key, rawBytes,
                    length, hex, millis);
        } catch (Exception | Error e) {
            log.warn("producing the stream of {} failed after {} bytes from btrfs send: {}", key, rawBytes, e.toString());
            abandon(raw);
            synchronized (this) {
                // Both under the store's lock: no new production of the key starts before these files are gone.
                // A stream complete for its readers but not stored durably is only dropped.
                if (entry.state() == StoredStream.State.PRODUCING) {
                    entry.failed(e);
                }
                drop(entry, "production failed");
            }
        } finally {
            producing.remove(entry);
        }
    }

    /** Evicts complete streams nobody reads, least recently served first, until the budget holds. */
    private void makeRoom(StoredStream keep) {
        long total = storedBytes();
        if (total <= budgetBytes) {
            return;
        }
        List<StoredStream> candidates = streams.values().stream().filter(s -> s != keep && s.evictable())
                .sorted(Comparator.comparing(StoredStream::lastServed)).toList();
        for (StoredStream victim : candidates) {
            if (total <= budgetBytes) {
                break;
            }
            total -= victim.written();
            drop(victim, "evicted (least recently served; " + total + " of " + budgetBytes + " budget bytes after)");
        }
    }

    /** Keeps the pool from filling: evicts, and fails production when the free space stays under the reserve. */
    private void checkRoom(StoredStream entry) throws IOException {
        if (closed) {
            throw new InterruptedIOException("the stream store closed");
        }
        synchronized (this) {
            makeRoom(entry);
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free >= reserveBytes) {
                return;
            }
            List<StoredStream> candidates = streams.values().stream().filter(s -> s != entry && s.evictable())
                    .sorted(Comparator.comparing(StoredStream::lastServed)).toList();
            for (StoredStream victim : candidates) {
                drop(victim, "evicted: the pool has " + free + " bytes free, under the reserve of " + reserveBytes);
                free = Files.getFileStore(dir).getUsableSpace();
                if (free >= reserveBytes) {
                    return;
                }
            }
        }
        throw new IOException("the pool holding " + dir + " has under " + reserveBytes
                + " bytes free: the stream is not stored; free space on the pool or lower icbd.master.stream-budget");
    }

    /** Forgets {@code entry} (if still the current one) and deletes its files. Called holding this store's lock. */
    private void drop(StoredStream entry, String why) {
        streams.remove(entry.key(), entry);
        Path file = entry.file();
        Path data = file.getFileName().toString().endsWith(PART)
                ? file.resolveSibling(entry.key().fileName()) : file;
        for (Path p : List.of(file, data, data.resolveSibling(data.getFileName() + META))) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", p, e.toString());
            }
        }
        log.info("dropped the stored stream of {} ({} bytes): {}", entry.key(), entry.written(), why);
    }

    /** The stream read back from disk does not match its hash: it is dropped, the next request produces it again. */
    void corrupted(StoredStream entry, String what) throws CorruptStreamException {
        String message = "the stored stream of " + entry.key() + " is damaged on the master's disk (" + what
                + "): it was dropped and is produced again at the next request";
        log.error(message);
        synchronized (this) {
            if (streams.get(entry.key()) == entry) {
                drop(entry, "damaged on disk");
            }
        }
        throw new CorruptStreamException(message);
    }

    /** At start: incomplete productions are deleted, complete streams taken over. */
    private void recover() {
        List<Path> imageDirs;
        try (Stream<Path> entries = Files.list(dir)) {
            imageDirs = entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the stream store " + dir + ": " + e, e);
        }
        for (Path imageDir : imageDirs) {
            String image = imageDir.getFileName().toString();
            List<Path> files;
            try (Stream<Path> entries = Files.list(imageDir)) {
                files = entries.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + imageDir + ": " + e, e);
            }
            for (Path file : files) {
                recoverFile(image, file);
            }
        }
    }

    private void recoverFile(String image, Path file) {
        String name = file.getFileName().toString();
        try {
            if (name.endsWith(PART) || name.endsWith(TMP)) {
                Files.deleteIfExists(file);
                log.warn("deleted {}: its production did not complete, it is never served", file);
                return;
            }
            if (name.endsWith(META)) {
                if (!Files.exists(file.resolveSibling(name.substring(0, name.length() - META.length())))) {
                    Files.deleteIfExists(file);
                }
                return;
            }
            Optional<StreamKey> key = image.matches("[a-z0-9][a-z0-9._-]{0,63}")
                    ? StreamKey.parse(image, name) : Optional.empty();
            if (key.isEmpty()) {
                log.warn("{} is not a stored stream's name: left alone", file);
                return;
            }
            Path meta = file.resolveSibling(name + META);
            Optional<Stat> stat = readMeta(meta);
            long size = Files.size(file);
            if (stat.isEmpty() || stat.get().length() != size) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(meta);
                log.warn("deleted {}: its production did not complete (no valid {}), it is never served", file,
                        meta.getFileName());
                return;
            }
            streams.put(key.get(), StoredStream.complete(key.get(), file, size, stat.get().sha256(),
                    Files.getLastModifiedTime(file).toInstant()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot recover the stored stream " + file + ": " + e, e);
        }
    }

    private static Optional<Stat> readMeta(Path meta) throws IOException {
        if (!Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS) || Files.size(meta) > 200) {
            return Optional.empty();
        }
        Matcher m = META_LINE.matcher(Files.readString(meta, StandardCharsets.US_ASCII));
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Stat(Long.parseLong(m.group(1)), m.group(2)));
    }

    /** Written to a temporary file, flushed, then renamed: the sidecar is whole or absent. */
    private static void writeMeta(Path meta, Stat stat) throws IOException {
        Path tmp = meta.resolveSibling(meta.getFileName() + TMP);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer line = ByteBuffer.wrap((stat.line() + "\n").getBytes(StandardCharsets.US_ASCII));
            while (line.hasRemaining()) {
                ch.write(line);
            }
            ch.force(true);
        }
        Files.move(tmp, meta, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private static void abandon(InputStream raw) {
        if (raw == null) {
            return;
        }
        try {
            raw.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing an abandoned btrfs send: {}", e.toString());
        }
    }

    /** The file end of production: appends, hashes, and tells readers how far the file goes. */
    private final class Appending extends OutputStream {
        private final FileChannel channel;
        private final StoredStream entry;
        private final MessageDigest sha;
        private long sinceCheck;

        Appending(FileChannel channel, StoredStream entry, MessageDigest sha) {
            this.channel = channel;
            this.entry = entry;
            this.sha = sha;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            sha.update(b, off, len);
            entry.advance(len);
            sinceCheck += len;
            if (sinceCheck >= CHECK_EVERY_BYTES) {
                sinceCheck = 0;
                checkRoom(entry);
            }
        }

        @Override
        public void close() {
            // The channel belongs to the production, which flushes and renames it.
        }
    }

    /** A request's view of one stored stream from an offset: follows the writer, verifies from 0. */
    private final class FollowingReader extends InputStream {
        private final StoredStream entry;
        private final FileChannel channel;
        private final MessageDigest digest;
        private long position;
        private boolean ended;
        private boolean closed;

        FollowingReader(StoredStream entry, long offset, boolean verify) throws IOException {
            this.entry = entry;
            try {
                this.channel = entry.openChannel();
            } catch (NoSuchFileException e) {
                throw new StreamProductionException(entry.key(), e);
            }
            this.position = offset;
            this.digest = verify ? sha256() : null;
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
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            long available;
            try {
                available = entry.awaitBeyond(position);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the stream of " + entry.key());
            }
            if (available <= position) {
                ended = true;
                verify();
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, available - position)), position);
            if (n < 0) {
                ended = true;
                corrupted(entry, "the file ends at byte " + position + " of " + available);
            }
            if (digest != null) {
                digest.update(b, off, n);
            }
            position += n;
            return n;
        }

        private void verify() throws CorruptStreamException {
            if (digest == null) {
                return;
            }
            String read = HexFormat.of().formatHex(digest.digest());
            String recorded = entry.sha256().orElse("");
            if (!read.equals(recorded)) {
                corrupted(entry, "its bytes hash to " + read + ", recorded " + recorded);
            }
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                entry.detach();
                channel.close();
            }
        }
    }
}
