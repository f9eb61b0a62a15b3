package org.icbd.rcs.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.kafka.ConsumerTopicScan;
import org.icbd.rcs.master.lifecycle.CompactNotation;
import org.icbd.rcs.master.lifecycle.Presence;
import org.icbd.rcs.master.lifecycle.Retention;
import org.icbd.rcs.master.lifecycle.RetentionDecision;
import org.icbd.rcs.master.lifecycle.SubscribedReplica;
import org.icbd.rcs.master.lifecycle.VersionHistory;
import org.icbd.rcs.master.publish.NotDurableException;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.retire.ImageLifecycle;
import org.icbd.rcs.master.retire.Pruner;
import org.icbd.rcs.topic.EventJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code icbd prune}: master retention for one image, by the same pure decision
 * {@code icbd master serve --keep N} applies. Offline ({@code --history}, {@code --have}) from the
 * compact notation, deleting nothing; or on a master's pool ({@code --pool}, {@code --image}) with
 * the history and the fleet read from Kafka, retiring what the decision deletes (unless
 * {@code --dry-run}).
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Prunes one image on the master (--pool), or shows offline what that would do (--history): "
                + "deletes the versions beyond the newest N live ones, except every subscribed replica's next "
                + "parent (its newest held version still live on the master) unless the replica is OFFLINE past "
                + "the limit. On a pool each deletion publishes ImageVersionRetired durably first, then deletes "
                + "the snapshot, as icbd retire does.",
        footer = {"",
                "Notation: versions oldest first, comma-separated, - for none;",
                "  x3 = version 3 is retired on the master;",
                "  --have REPLICA=VERSIONS once per subscribed replica,",
                "  r3= for a replica holding nothing.",
                "",
                "Examples:",
                "  icbd prune --pool /srv/icbd --image ubuntu-22.04 --keep 3 --bootstrap kafka1:9092 --dry-run",
                "      what retention would delete now, from the topics; without --dry-run it deletes it",
                "  icbd prune --history 1,2,x3,4,5 --have r1=2,4 --have r2=5 --keep 2",
                "      deletes 1 and 2; keeps 4 (r1's next parent) and 5 (the newest)",
                "  icbd prune --history 1,2,3,4,5 --have r1=2 --offline-beyond r1 --keep 2",
                "      r1 protects nothing: deletes 1, 2 and 3; r1 will re-seed",
                "",
                "Exit status: 0 the decision was printed (and, on a pool, applied), 1 pool or image problem,",
                "  2 bad input, 75 Kafka did not acknowledge a retirement (versions retired before it stay retired)."})
final class PruneCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--history", paramLabel = "VERSIONS",
            description = "Offline: the master's versions of the image, oldest first, e.g. 1,2,x3,5.")
    String history;

    @Option(names = "--pool", paramLabel = "DIR",
            description = "On the master: its btrfs pool (the history and fleet are read from Kafka).")
    Path pool;

    @Option(names = "--image", paramLabel = "NAME", description = "With --pool: the image to prune.")
    String image;

    @Option(names = "--dry-run", description = "With --pool: print the decision, delete nothing.")
    boolean dryRun;

    @CommandLine.Mixin
    KafkaOptions kafka;

    @Option(names = "--master", paramLabel = "NAME", defaultValue = PublisherSettings.DEFAULT_MASTER,
            description = "With --pool: this master's site name, written into retirements (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15s", converter = DurationConverter.class,
            description = "With --pool: how long each Kafka read and acknowledgement may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--offline-limit", paramLabel = "DURATION", defaultValue = "30d",
            converter = DurationConverter.class,
            description = "With --pool: a replica OFFLINE for longer protects nothing (default: ${DEFAULT-VALUE}).")
    Duration offlineLimit;

    @Option(names = "--have", paramLabel = "REPLICA=VERSIONS",
            description = "What one subscribed replica holds, e.g. r1=2,4; r3= for nothing. Repeat per replica.")
    List<String> have = new ArrayList<>();

    @Option(names = "--offline-beyond", paramLabel = "REPLICA",
            description = "Marks a replica given by --have as OFFLINE for longer than the master's limit "
                    + "(30 days by default): it protects nothing. Repeatable.")
    List<String> offlineBeyond = new ArrayList<>();

    @Option(names = "--keep", required = true, paramLabel = "N",
            description = "How many of the newest live versions the master keeps (at least 1).")
    int keep;

    @Option(names = "--json", description = "Print the decision as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        if ((history == null) == (pool == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either --history (offline) or --pool with --image (on the master), not both or neither");
        }
        if (keep < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keep must be at least 1, got " + keep);
        }
        return pool != null ? onPool() : offline();
    }

    private int onPool() throws JsonProcessingException {
        if (image == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pool needs --image");
        }
        if (!have.isEmpty() || !offlineBeyond.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--have and --offline-beyond go with --history; with --pool the fleet is read from Kafka");
        }
        PublisherSettings settings;
        try {
            settings = new PublisherSettings(kafka.clientSettings(), master, timeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ImageRepository repository = new ImageRepository(pool, new CommandRunner());
        try (Publisher publisher = new Publisher(repository, settings)) {
            ImageLifecycle lifecycle = new ImageLifecycle(repository, publisher,
                    new ConsumerTopicScan(settings, "icbd-prune-" + master));
            Pruner.Outcome outcome = lifecycle.prune(image, keep, dryRun, Instant.now(), offlineLimit);
            print(outcome.history(), outcome.decision());
            if (!dryRun && !json) {
                spec.commandLine().getOut().println(outcome.retired().isEmpty() ? "nothing retired"
                        : "retired " + outcome.retired().stream().map(String::valueOf)
                                .collect(Collectors.joining(", ")));
            }
            return 0;
        } catch (NotDurableException e) {
            spec.commandLine().getErr().println("icbd prune: " + e.getMessage());
            return PublishCommand.EXIT_NOT_DURABLE;
        } catch (RepositoryException e) {
            spec.commandLine().getErr().println("icbd prune: " + e.getMessage());
            return e.reason() == RepositoryException.Reason.INVALID_NAME ? 2 : 1;
        }
    }

    private int offline() throws JsonProcessingException {
        if (image != null || dryRun) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--image and --dry-run go with --pool");
        }
        VersionHistory master = parse("--history", () -> CompactNotation.parseHistory(history));
        List<SubscribedReplica> replicas = new ArrayList<>();
        for (String text : have) {
            replicas.add(parse("--have " + text, () -> CompactNotation.parseReplica(text)));
        }
        for (String replicaId : offlineBeyond) {
            int index = indexOf(replicas, replicaId);
            if (index < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--offline-beyond " + replicaId + ": no --have names replica " + replicaId);
            }
            // The operator states the replica is past the limit; when it went OFFLINE does not
            // matter, so the earliest instant stands for "long enough ago".
            replicas.set(index, replicas.get(index).withPresence(new Presence.Offline(Instant.EPOCH)));
        }
        RetentionDecision decision = parse("--have",
                () -> Retention.decide(master, replicas, keep, Instant.now(), Retention.DEFAULT_OFFLINE_LIMIT));
        print(master, decision);
        return 0;
    }

    private void print(VersionHistory master, RetentionDecision decision) throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(EventJson.mapper().writeValueAsString(asJson(decision)));
        } else {
            printTable(out, master, decision);
        }
        out.flush();
    }

    private <T> T parse(String option, Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    private static int indexOf(List<SubscribedReplica> replicas, String replicaId) {
        for (int i = 0; i < replicas.size(); i++) {
            if (replicas.get(i).replicaId().equals(replicaId)) {
                return i;
            }
        }
        return -1;
    }

    private void printTable(PrintWriter out, VersionHistory master, RetentionDecision decision) {
        if (master.entries().isEmpty()) {
            out.println("the image has no version: nothing to prune");
            return;
        }
        String beyond = keep == 1 ? "older than the newest live version" : "beyond the newest " + keep + " live versions";
        out.printf("%-8s  %-8s  %s%n", "version", "decision", "why");
        for (VersionHistory.Entry entry : master.entries()) {
            String action;
            String why;
            Optional<RetentionDecision.Kept> kept =
                    decision.keep().stream().filter(k -> k.version() == entry.version()).findFirst();
            if (entry.retired()) {
                action = "retired";
                why = "already retired: nothing to delete";
            } else if (kept.isPresent()) {
                action = "keep";
                why = kept.get().why();
            } else {
                action = "delete";
                why = beyond + ", and no subscribed replica's next parent";
            }
            out.printf("%-8s  %-8s  %s%n", (entry.retired() ? "x" : "") + entry.version(), action, why);
        }
        for (RetentionDecision.Lapsed lapsed : decision.lapsed()) {
            out.println(lapsed.explain());
        }
    }

    private static Map<String, Object> asJson(RetentionDecision decision) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("delete", decision.delete());
        List<Map<String, Object>> kept = new ArrayList<>();
        for (RetentionDecision.Kept k : decision.keep()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("version", k.version());
            entry.put("why", k.why());
            entry.put("nextParentOf", k.nextParentOf());
            kept.add(entry);
        }
        out.put("keep", kept);
        out.put("reseed", decision.reseed());
        out.put("lapsed", decision.lapsed().stream().map(RetentionDecision.Lapsed::replicaId).toList());
        return out;
    }
}
