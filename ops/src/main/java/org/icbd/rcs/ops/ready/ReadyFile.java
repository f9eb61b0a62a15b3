package org.icbd.rcs.ops.ready;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handshake by which a service started by another program says that it serves: once ready, it
 * writes a small file of {@code key=value} lines (its {@code pid} and what it serves on, e.g.
 * {@code ssh-port}, {@code bootstrap}) at the path named by the environment variable
 * {@value #ENV}. A service started without it (by systemd, by an operator) writes nothing and needs
 * nothing.
 *
 * <p>The file is written under a temporary name beside it and renamed into place, so a reader that
 * sees the file sees all of it: its existence is the signal, never a line in a log.
 */
public record ReadyFile(Path path) {

    /** The environment variable naming the file; unset means nobody waits. */
    public static final String ENV = "ICBD_READY_FILE";

    private static final Logger LOG = LoggerFactory.getLogger(ReadyFile.class);
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    public ReadyFile {
        Objects.requireNonNull(path, "path");
    }

    /** The file named by {@value #ENV}, when it is set and not blank. */
    public static Optional<ReadyFile> fromEnvironment() {
        return Optional.ofNullable(System.getenv(ENV)).filter(s -> !s.isBlank()).map(s -> new ReadyFile(Path.of(s)));
    }

    /**
     * Says "ready" to whoever started this process and asked for it through {@value #ENV}; does
     * nothing otherwise. {@code pid} is added.
     *
     * @throws UncheckedIOException when the file cannot be written: the parent would wait in vain
     */
    public static void announce(Map<String, ?> facts) {
        fromEnvironment().ifPresent(file -> file.write(facts));
    }

    /**
     * Writes {@code facts} and this process's {@code pid}, atomically.
     *
     * @throws IllegalArgumentException for a key not matching {@code [a-z][a-z0-9-]*} or a value with a line break
     */
    public void write(Map<String, ?> facts) {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("pid", Long.toString(ProcessHandle.current().pid()));
        facts.forEach((key, value) -> {
            String text = String.valueOf(value);
            if (!KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("ready-file key must match " + KEY + ", got '" + key + "'");
            }
            if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("ready-file value of " + key + " must be one line, got '" + text + "'");
            }
            lines.put(key, text);
        });
        StringBuilder content = new StringBuilder();
        lines.forEach((k, v) -> content.append(k).append('=').append(v).append('\n'));
        Path temporary = path.resolveSibling(path.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            try {
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + temporary + " into place atomically", e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ready file " + path + " (" + ENV + "): " + e.getMessage(), e);
        }
        LOG.info("ready: {} written ({})", path, lines);
    }

    /** What the process announced, or empty while it has not. */
    public Optional<Map<String, String>> read() {
        String content;
        try {
            content = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ready file " + path + ": " + e.getMessage(), e);
        }
        Map<String, String> facts = new LinkedHashMap<>();
        for (String line : content.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalStateException("the ready file " + path + " holds a line that is no key=value: '"
                        + line + "'");
            }
            facts.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return Optional.of(facts);
    }

    /** Removes the file, so that a process started again is waited for afresh. */
    public void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the ready file " + path + ": " + e.getMessage(), e);
        }
    }
}
