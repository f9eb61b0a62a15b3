package org.icbd.rcs.btrfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.icbd.rcs.command.CommandFailedException;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.command.RunningCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The btrfs operations of this project, each one {@code btrfs} command run through a {@link
 * CommandRunner} (btrfs-progs 6.2 output formats).
 *
 * <p>Paths are made absolute and normalised before they reach a command line, so none can be taken for
 * an option. A failing command throws {@link CommandFailedException} whose message names the command and
 * carries btrfs's stderr ("`btrfs subvolume snapshot -r /p/a /p/b` exited 1: ERROR: Could not statfs:
 * No such file or directory"); its exit code and stderr tail stay accessible to classify it.
 *
 * <p>Moving a read-only subvolume to another directory fails with EROFS (its {@code ..} would change);
 * renaming it within its directory works. A read-only snapshot of a received subvolume keeps its {@code
 * receivedUuid}. Instances are immutable and thread-safe.
 */
public final class BtrfsTool {
    private static final Logger log = LoggerFactory.getLogger(BtrfsTool.class);

    /** Default timeout of one non-streaming btrfs command, and of a stream's exit once its data ended. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(2);

    private static final String BTRFS = "btrfs";
    /** Written by {@code btrfs receive} as it starts a subvolume: "subvol" for a full, "snapshot" for a delta. */
    private static final Pattern AT_SUBVOLUME = Pattern.compile("^At (?:subvol|snapshot) (.+)$", Pattern.MULTILINE);
    private static final Pattern AT_SUBVOLUME_LINE = Pattern.compile("^At (?:subvol|snapshot) .+(?:\n|$)",
            Pattern.MULTILINE);
    private static final Pattern LIST_LINE = Pattern.compile("^ID (\\d+) gen (\\d+) top level (\\d+)"
            + " parent_uuid (\\S+)\\s+received_uuid (\\S+)\\s+uuid (\\S+) path (.+)$");
    /** A {@code btrfs subvolume list -s} line: the creation time ({@code otime}) of one snapshot. */
    private static final Pattern OTIME_LINE = Pattern.compile("^ID (\\d+) gen \\d+ cgen \\d+ top level \\d+"
            + " otime (-|\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}) path (.+)$");
    /** {@code subvolume show}'s times: local time with its offset. */
    private static final DateTimeFormatter SHOW_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z");
    /**
     * {@code subvolume list}'s times: local time without an offset; {@link CommandRunner} runs every
     * command with {@code TZ=UTC0}, so local time is UTC.
     */
    private static final DateTimeFormatter LIST_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final int MAX_OUTPUT_IN_MESSAGE = 2000;

    private final CommandRunner runner;
    private final Duration timeout;

    /** A tool with the {@link #DEFAULT_COMMAND_TIMEOUT}. */
    public BtrfsTool(CommandRunner runner) {
        this(runner, DEFAULT_COMMAND_TIMEOUT);
    }

    public BtrfsTool(CommandRunner runner, Duration commandTimeout) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.timeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout must be positive, got " + commandTimeout);
        }
    }

    /** Creates an empty read-write subvolume at {@code path}, whose parent directory must exist. */
    public void createSubvolume(Path path) {
        Path target = absolute(path);
        runner.run(List.of(BTRFS, "subvolume", "create", target.toString()), timeout);
        log.info("created subvolume {}", target);
    }

    /**
     * Snapshots {@code source} read-only as {@code dest}, which must not exist yet.
     *
     * @return the new snapshot
     */
    public SubvolumeInfo snapshotReadOnly(Path source, Path dest) {
        Path from = absolute(source);
        Path to = absolute(dest);
        runner.run(List.of(BTRFS, "subvolume", "snapshot", "-r", from.toString(), to.toString()), timeout);
        SubvolumeInfo snapshot = show(to);
        log.info("snapshotted {} read-only as {} (uuid {})", from, to, snapshot.uuid());
        return snapshot;
    }

    /** Deletes the subvolume at {@code path}, read-only or not; it must hold no nested subvolume. */
    public void deleteSubvolume(Path path) {
        Path target = absolute(path);
        delete(target);
        log.info("deleted subvolume {}", target);
    }

    private void delete(Path target) {
        runner.run(List.of(BTRFS, "subvolume", "delete", target.toString()), timeout);
    }

    /** Describes the subvolume whose root is {@code path} ({@code btrfs subvolume show}). */
    public SubvolumeInfo show(Path path) {
        Path target = absolute(path);
        String output = runner.run(List.of(BTRFS, "subvolume", "show", target.toString()), timeout).stdout();
        return parseShow(target, output);
    }

    /** Whether the subvolume at {@code path} is read-only ({@code btrfs property get -ts PATH ro}). */
    public boolean isReadOnly(Path path) {
        Path target = absolute(path);
        String output = runner.run(List.of(BTRFS, "property", "get", "-ts", target.toString(), "ro"), timeout)
                .stdout().strip();
        return switch (output) {
            case "ro=true" -> true;
            case "ro=false" -> false;
            default -> throw new BtrfsException("unexpected output from `btrfs property get -ts " + target
                    + " ro`: " + abbreviate(output));
        };
    }

    /**
     * Every subvolume of the filesystem that {@code mount} is on, except the top level, in id order
     * ({@code btrfs subvolume list -u -q -R}). Paths are relative to the top-level subvolume.
     */
    public List<SubvolumeListEntry> list(Path mount) {
        Path target = absolute(mount);
        String output = runner.run(List.of(BTRFS, "subvolume", "list", "-u", "-q", "-R", target.toString()), timeout)
                .stdout();
        return parseList(output);
    }

    /**
     * The read-only subvolumes that lie directly in the subvolume containing {@code path} (wherever in
     * it, {@code btrfs subvolume list -o}), in id order, with their creation times: two commands
     * however many there are ({@code list -o -r -u -q -R} for identities, {@code list -o -r -s} for the
     * times, which btrfs prints for snapshots only). Paths are relative to the top-level subvolume. The
     * two commands are not one snapshot of the filesystem: a subvolume created between them is left
     * out, and one deleted between them has no creation time.
     */
    public List<ReadOnlySubvolume> listReadOnly(Path path) {
        Path target = absolute(path);
        List<SubvolumeListEntry> entries = parseList(runner.run(List.of(BTRFS, "subvolume", "list", "-o", "-r", "-u",
                "-q", "-R", target.toString()), timeout).stdout());
        Map<Long, Optional<Instant>> times = parseCreationTimes(runner.run(List.of(BTRFS, "subvolume", "list", "-o",
                "-r", "-s", target.toString()), timeout).stdout());
        return entries.stream()
                .map(e -> new ReadOnlySubvolume(e, times.getOrDefault(e.id(), Optional.empty())))
                .toList();
    }

    /**
     * Starts {@code btrfs send} of a read-only snapshot, as a delta against {@code parent} (a read-only
     * snapshot the receiver already has) or in full. The caller must read the stream to its end and
     * close it to learn whether it is whole; see {@link SendStream}.
     */
    public SendStream send(Path snapshot, Optional<Path> parent) {
        List<String> argv = new ArrayList<>(List.of(BTRFS, "send", "-q"));
        parent.ifPresent(p -> {
            argv.add("-p");
            argv.add(absolute(p).toString());
        });
        argv.add(absolute(snapshot).toString());
        return new SendStream(runner.start(argv), timeout);
    }

    /**
     * Sends a snapshot (see {@link #send}) into {@code out}, which is flushed but not closed.
     *
     * @return the number of bytes sent
     * @throws CommandFailedException if {@code btrfs send} failed; what reached {@code out} is then
     *     truncated
     * @throws IOException if writing to {@code out} failed; {@code btrfs send} is then killed
     */
    public long sendTo(Path snapshot, Optional<Path> parent, OutputStream out) throws IOException {
        try (SendStream stream = send(snapshot, parent)) {
            byte[] buffer = new byte[CommandRunner.COPY_BUFFER_BYTES];
            long total = 0;
            int n;
            while ((n = stream.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                total += n;
            }
            out.flush();
            return total;
        }
    }

    /**
     * Receives one send stream into {@code intoDir} with {@code btrfs receive -e}: the subvolume appears
     * there under the name it had on the sending side. A delta's parent is found anywhere on the
     * filesystem by its {@code receivedUuid}.
     *
     * <p>On any failure the subvolume this receive created, read-write and incomplete, is deleted; what
     * was in {@code intoDir} before is never touched. The subvolume is the one btrfs names in its "At
     * subvol NAME" / "At snapshot NAME" line, or, when that line is missing, the one new subvolume in
     * {@code intoDir}: so {@code intoDir} must not receive two streams at once.
     *
     * @return the received subvolume, described after btrfs finished with it
     * @throws CommandFailedException if {@code btrfs receive} failed (truncated or corrupt stream, parent
     *     not found, name taken), with btrfs's stderr
     * @throws IOException if reading {@code stream} failed; {@code btrfs receive} is then killed
     * @throws BtrfsException if the received subvolume cannot be identified
     */
    public ReceivedSubvolume receive(Path intoDir, InputStream stream) throws IOException {
        Path dir = absolute(intoDir);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new BtrfsException("cannot receive into " + dir + ": not a directory");
        }
        Set<String> before = entryNames(dir);
        long startNanos = System.nanoTime();
        long bytes;
        RunningCommand command = runner.start(List.of(BTRFS, "receive", "-e", dir.toString()),
                CommandRunner.Stdout.TAIL);
        try {
            bytes = feed(command, stream, dir);
            int exitCode = command.awaitExit(timeout);
            if (exitCode != 0) {
                throw receiveFailed(command, exitCode);
            }
        } catch (IOException | RuntimeException | Error e) {
            command.destroy();
            removePartial(dir, before, command.stderrTail(), e);
            throw e;
        } finally {
            command.close();
        }
        SubvolumeInfo info = show(dir.resolve(receivedName(dir, before, command.stderrTail())));
        log.info("received {} ({} bytes in {} ms, uuid {}, receivedUuid {})", info.path(), bytes,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), info.uuid(),
                info.receivedUuid().map(UUID::toString).orElse("-"));
        return new ReceivedSubvolume(info.path(), info);
    }

    /** Copies the stream into {@code btrfs receive}'s stdin and closes it; returns the bytes fed. */
    private long feed(RunningCommand command, InputStream stream, Path dir) throws IOException {
        OutputStream stdin = command.stdin();
        byte[] buffer = new byte[CommandRunner.COPY_BUFFER_BYTES];
        long total = 0;
        int n;
        // An IOException from stream.read is the source's failure and propagates as is; one from the
        // stdin pipe means btrfs receive stopped reading, and its exit status tells why.
        while ((n = stream.read(buffer)) >= 0) {
            try {
                stdin.write(buffer, 0, n);
            } catch (IOException brokenPipe) {
                receiverStopped(command, brokenPipe, dir, total);
                return total;
            }
            total += n;
        }
        try {
            stdin.close();
        } catch (IOException brokenPipe) {
            receiverStopped(command, brokenPipe, dir, total);
        }
        return total;
    }

    private void receiverStopped(RunningCommand command, IOException brokenPipe, Path dir, long fed) {
        int exitCode = command.awaitExit(timeout);
        if (exitCode != 0) {
            CommandFailedException failure = receiveFailed(command, exitCode);
            failure.addSuppressed(brokenPipe);
            throw failure;
        }
        log.warn("btrfs receive into {} exited 0 after {} bytes, before its input ended; the rest was not read",
                dir, fed);
    }

    /**
     * The failure of a receive, with btrfs's reason: its output without the "At subvol/snapshot NAME"
     * progress line, which it prints before failing and which would otherwise lead the message.
     */
    private static CommandFailedException receiveFailed(RunningCommand command, int exitCode) {
        String reason = AT_SUBVOLUME_LINE.matcher(command.stderrTail()).replaceAll("").strip();
        return new CommandFailedException(command.argv(), exitCode, reason);
    }

    /** Deletes the subvolume a failed receive left in {@code dir}, if any; never one listed in {@code before}. */
    private void removePartial(Path dir, Set<String> before, String receiveOutput, Throwable failure) {
        try {
            List<Path> partial = createdSubvolumes(dir, before, receiveOutput);
            if (partial.size() > 1) {
                log.warn("receive into {} failed and {} new subvolumes are there; cannot tell which one it"
                        + " created, so none is deleted: {}", dir, partial.size(), partial);
                return;
            }
            for (Path subvolume : partial) {
                delete(subvolume);
                log.info("deleted {}, left incomplete by the failed receive", subvolume);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("receive into {} failed, and removing what it left failed too: {}", dir, e.toString());
            failure.addSuppressed(e);
        }
    }

    private static String receivedName(Path dir, Set<String> before, String receiveOutput) {
        List<Path> created;
        try {
            created = createdSubvolumes(dir, before, receiveOutput);
        } catch (IOException e) {
            throw new BtrfsException("btrfs receive into " + dir + " succeeded, but the directory cannot be read", e);
        }
        if (created.size() != 1) {
            throw new BtrfsException("btrfs receive into " + dir + " succeeded, but cannot tell which subvolume"
                    + " it created: new subvolumes " + created + ", its output: " + abbreviate(receiveOutput));
        }
        return created.get(0).getFileName().toString();
    }

    /**
     * The subvolumes a receive created in {@code dir}: the one its output names if that is new there, else
     * every new subvolume (normally one).
     */
    private static List<Path> createdSubvolumes(Path dir, Set<String> before, String receiveOutput)
            throws IOException {
        Optional<String> named = lastReceivedName(receiveOutput);
        Stream<String> candidates = named.isPresent()
                ? named.stream()
                : entryNames(dir).stream().sorted();
        return candidates.filter(name -> !before.contains(name))
                .map(dir::resolve)
                .filter(BtrfsFsCheck::hasSubvolumeRootInode)
                .collect(Collectors.toList());
    }

    /** The name in the last "At subvol NAME" / "At snapshot NAME" line, if it is a plain file name. */
    static Optional<String> lastReceivedName(String receiveOutput) {
        Matcher matcher = AT_SUBVOLUME.matcher(receiveOutput);
        String name = null;
        while (matcher.find()) {
            name = matcher.group(1);
        }
        if (name == null || name.contains("/") || name.equals(".") || name.equals("..") || name.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(name);
    }

    static SubvolumeInfo parseShow(Path path, String output) {
        Map<String, String> fields = new HashMap<>();
        List<String> lines = output.lines().toList();
        // Line 0 is the path relative to the top level; "Snapshot(s):" starts a list of names, which may
        // hold anything, so parsing stops there.
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String trimmed = line.strip();
            if (trimmed.startsWith("Snapshot(s):")) {
                break;
            }
            int colon = trimmed.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(trimmed.substring(0, colon).strip(), trimmed.substring(colon + 1).strip());
            }
        }
        try {
            return new SubvolumeInfo(path,
                    required(fields, "Name"),
                    Long.parseLong(required(fields, "Subvolume ID")),
                    UUID.fromString(required(fields, "UUID")),
                    optionalUuid(required(fields, "Parent UUID")),
                    optionalUuid(required(fields, "Received UUID")),
                    List.of(required(fields, "Flags").split("[\\s,|]+")).contains("readonly"),
                    Long.parseLong(required(fields, "Generation")),
                    showTime(fields.get("Creation time")));
        } catch (IllegalArgumentException e) {
            throw new BtrfsException("unexpected output from `btrfs subvolume show " + path + "`: " + e.getMessage()
                    + " in: " + abbreviate(output), e);
        }
    }

    static List<SubvolumeListEntry> parseList(String output) {
        List<SubvolumeListEntry> entries = new ArrayList<>();
        for (String line : output.lines().toList()) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m = LIST_LINE.matcher(line);
            if (!m.matches()) {
                throw new BtrfsException("unexpected line from `btrfs subvolume list -u -q -R`: " + abbreviate(line));
            }
            entries.add(new SubvolumeListEntry(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)), UUID.fromString(m.group(6)), optionalUuid(m.group(4)),
                    optionalUuid(m.group(5)), m.group(7)));
        }
        return List.copyOf(entries);
    }

    /** Snapshot id to creation time, from {@code btrfs subvolume list -s}; "-" (none recorded) is empty. */
    static Map<Long, Optional<Instant>> parseCreationTimes(String output) {
        Map<Long, Optional<Instant>> times = new HashMap<>();
        for (String line : output.lines().toList()) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m = OTIME_LINE.matcher(line);
            if (!m.matches()) {
                throw new BtrfsException("unexpected line from `btrfs subvolume list -s`: " + abbreviate(line));
            }
            Optional<Instant> time;
            try {
                time = m.group(2).equals("-") ? Optional.empty()
                        : Optional.of(LocalDateTime.parse(m.group(2), LIST_TIME).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e) {
                throw new BtrfsException("unexpected time from `btrfs subvolume list -s`: " + abbreviate(line), e);
            }
            times.put(Long.parseLong(m.group(1)), time);
        }
        return Map.copyOf(times);
    }

    /** A "Creation time:" value; absent (an older format) or "-" (none recorded) is empty. */
    private static Optional<Instant> showTime(String value) {
        if (value == null || value.equals("-")) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(value, SHOW_TIME).toInstant());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("unreadable 'Creation time' '" + value + "'", e);
        }
    }

    private static String required(Map<String, String> fields, String key) {
        String value = fields.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("no '" + key + "' line");
        }
        return value;
    }

    /** btrfs prints "-" for an absent UUID. */
    private static Optional<UUID> optionalUuid(String value) {
        return value.equals("-") ? Optional.empty() : Optional.of(UUID.fromString(value));
    }

    private static Set<String> entryNames(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static Path absolute(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private static String abbreviate(String text) {
        return text.length() <= MAX_OUTPUT_IN_MESSAGE ? text : text.substring(0, MAX_OUTPUT_IN_MESSAGE) + "...";
    }
}
