package org.icbd.rcs.bench.peer;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.icbd.rcs.command.CommandResult;
import org.icbd.rcs.command.CommandRunner;

/**
 * The Debian packages the peer cases run, installed with {@code apt-get install -y} when their
 * commands are missing (as {@code ops/prerequisites} does), saying so on the bench's output.
 */
public final class PeerPackages {

    private static final Duration INSTALL = Duration.ofMinutes(10);
    private static final Map<String, String> DEBIAN_NONINTERACTIVE = Map.of("DEBIAN_FRONTEND", "noninteractive");

    /** Command by package: what the OpenSSH pipe needs. */
    public static final Map<String, String> OPENSSH = Map.of("/usr/sbin/sshd", "openssh-server", "ssh", "openssh-client",
            "ssh-keygen", "openssh-client");
    /**
     * Command by package: what btrbk needs besides {@link #OPENSSH}; {@code lz4} for {@code stream_compress lz4},
     * {@code unshare} and {@code nsenter} for its mount namespace.
     */
    public static final Map<String, String> BTRBK = Map.of("btrbk", "btrbk", "lz4", "lz4", "unshare", "util-linux",
            "nsenter", "util-linux");

    private PeerPackages() {
    }

    /** Installs the packages of the commands among {@code commands} that are missing; nothing when none is. */
    public static void ensure(CommandRunner runner, Map<String, String> commands, String why,
                              Consumer<String> progress) {
        Map<String, String> missing = new LinkedHashMap<>();
        commands.forEach((command, pkg) -> {
            if (find(command).isEmpty()) {
                missing.put(command, pkg);
            }
        });
        if (missing.isEmpty()) {
            return;
        }
        List<String> packages = missing.values().stream().distinct().sorted().toList();
        progress.accept("installing " + String.join(" ", packages) + " for " + why + " (apt-get install -y; "
                + String.join(", ", missing.keySet()) + " missing)");
        List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-q"));
        install.addAll(packages);
        CommandResult first = runner.runAnyExit(install, DEBIAN_NONINTERACTIVE, INSTALL);
        if (!first.succeeded()) {
            runner.run(List.of("apt-get", "update", "-q"), INSTALL);
            CommandResult second = runner.runAnyExit(install, DEBIAN_NONINTERACTIVE, INSTALL);
            if (!second.succeeded()) {
                throw new IllegalStateException("cannot install " + String.join(" ", packages) + " for " + why
                        + ": apt-get exited " + second.exitCode() + ": " + second.stderrTail()
                        + "; install them by hand or leave those cases out of --cases");
            }
        }
        missing.keySet().forEach(command -> find(command).orElseThrow(() -> new IllegalStateException(
                "apt-get installed " + String.join(" ", packages) + " but " + command + " is still missing")));
    }

    /** An absolute command as it is, a bare one looked up on {@code PATH}. */
    static Optional<Path> find(String command) {
        if (command.startsWith("/")) {
            Path p = Path.of(command);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, command);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }
}
