package org.icbd.rcs.ops.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.localkafka.TopicAdmin;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code icbd topics}: the project's topics on a Kafka cluster. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Manage the project's Kafka topics on a cluster.",
        subcommands = TopicsCommand.Ensure.class)
public final class TopicsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: ensure");
    }

    /**
     * {@code icbd topics ensure}: creates the missing topics of {@link Topics#ALL} with their
     * descriptors' settings and checks the existing ones, one line per topic.
     */
    @Command(name = "ensure", mixinStandardHelpOptions = true,
            description = {"Create every icbd topic that does not exist yet, with its cleanup policy and "
                    + "retention, the given partitions and replication factor, and min.insync.replicas one less "
                    + "than the replication factor (at least 1). Check the topics that exist and say what differs: "
                    + "cleanup policy, retention, min.insync.replicas, replication factor, fewer partitions than "
                    + "asked for. Changes nothing on an existing topic.",
                    "Prints one line per topic: 'created', 'ok' or 'differs: <what>'."},
            footer = {"",
                    "Examples:",
                    "  icbd topics ensure --bootstrap kafka1:9092,kafka2:9092,kafka3:9092 \\",
                    "      --replication-factor 3",
                    "  icbd topics ensure --bootstrap 127.0.0.1:9092 --replication-factor 1",
                    "",
                    "Exit status: 0 every topic created or ok, 3 some topic differs (see its line), "
                            + "1 the cluster cannot be reached or a topic cannot be created, 2 bad option."})
    public static final class Ensure implements Callable<Integer> {

        /** Exit code when some existing topic differs from what icbd expects. */
        public static final int EXIT_DIFFERS = 3;
        static final int EXIT_FAILED = 1;

        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "3",
                description = "Replicas of each created topic; the cluster needs at least this many brokers "
                        + "(default: ${DEFAULT-VALUE}).")
        int replicationFactor;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + LocalKafka.DEFAULT_PARTITIONS,
                description = "Partitions of each created topic: the most planner instances that share the work "
                        + "(default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                converter = DurationConverter.class,
                description = "How long to wait for the cluster (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws InterruptedException {
            checkOptions();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            TopicAdmin.Result result;
            try (Admin admin = Admin.create(adminConfig())) {
                int brokers = brokers(admin);
                if (brokers < replicationFactor) {
                    err.printf("icbd topics ensure: the cluster at %s has %d broker(s), fewer than "
                            + "--replication-factor %d: add brokers or lower it%n", kafka.clientSettings().bootstrapServers(), brokers,
                            replicationFactor);
                    return EXIT_FAILED;
                }
                result = TopicAdmin.ensureTopics(admin, Topics.ALL, partitions, (short) replicationFactor, timeout);
            } catch (Unreachable | KafkaException e) {
                err.println("icbd topics ensure: " + e.getMessage());
                return EXIT_FAILED;
            }
            List<String> lines = report(Topics.ALL, result);
            lines.forEach(out::println);
            out.flush();
            long differing = Topics.ALL.stream().filter(t -> !result.mismatchesOf(t.name()).isEmpty()).count();
            if (differing > 0) {
                err.printf("icbd topics ensure: %d of %d topics differ from what icbd expects; change them on the "
                        + "cluster (kafka-configs --alter, kafka-topics --alter, kafka-reassign-partitions) or "
                        + "recreate them%n", differing, Topics.ALL.size());
                return EXIT_DIFFERS;
            }
            return 0;
        }

        /** One line per topic, names padded to one column: {@code created}, {@code ok} or {@code differs: ...}. */
        static List<String> report(Collection<? extends Topic<?, ?>> topics, TopicAdmin.Result result) {
            int width = topics.stream().mapToInt(t -> t.name().length()).max().orElse(0);
            List<String> lines = new ArrayList<>();
            for (Topic<?, ?> topic : topics) {
                List<TopicAdmin.Mismatch> mismatches = result.mismatchesOf(topic.name());
                String outcome = result.created().contains(topic.name()) ? "created"
                        : mismatches.isEmpty() ? "ok"
                        : "differs: " + mismatches.stream().map(TopicAdmin.Mismatch::describe)
                        .collect(Collectors.joining("; "));
                lines.add(String.format("%-" + width + "s  %s", topic.name(), outcome));
            }
            return lines;
        }

        private void checkOptions() {
            if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--replication-factor must be at least 1, got " + replicationFactor);
            }
            if (partitions < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--partitions must be at least 1, got " + partitions);
            }
            if (timeout.isZero() || timeout.isNegative()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be positive");
            }
            for (String server : kafka.clientSettings().bootstrapServers().split(",", -1)) {
                if (!server.strip().matches("[^:\\s]+:\\d{1,5}")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--bootstrap '" + kafka.clientSettings().bootstrapServers()
                            + "' is not a list of host:port separated by commas");
                }
            }
        }

        private Map<String, Object> adminConfig() {
            return kafka.clientSettings().adminConfig("icbd-topics-ensure", Map.of(
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000)));
        }

        /** The number of brokers the cluster lists; asking it first tells "unreachable" from "cannot create". */
        private int brokers(Admin admin) throws InterruptedException {
            try {
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions()
                                .timeoutMs((int) timeout.toMillis()))
                        .nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return nodes.size();
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                throw new Unreachable("cannot reach Kafka at " + kafka.clientSettings().bootstrapServers() + " within " + timeout + " ("
                        + cause + "); check --bootstrap and that the cluster is up", cause);
            }
        }
    }

    /** The cluster did not answer; the message names the bootstrap address. */
    private static final class Unreachable extends RuntimeException {

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
