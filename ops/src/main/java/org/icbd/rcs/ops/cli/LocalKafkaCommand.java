package org.icbd.rcs.ops.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.ops.ready.ReadyFile;
import org.icbd.rcs.topic.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code icbd local-kafka}: a real Kafka broker, or a cluster of several, for demos and labs, in the foreground. */
@Command(name = "local-kafka", mixinStandardHelpOptions = true,
        description = {"Run a single-node Apache Kafka broker (KRaft) on 127.0.0.1 (or --host) in the foreground, "
                + "with the project's topics created. Prints 'bootstrap 127.0.0.1:PORT' when ready; "
                + "stops on Ctrl-C or SIGTERM. Not for production: point services at a real cluster there.",
                "With --brokers 3, runs three nodes (each a broker and a controller) on the client ports PORT, "
                        + "PORT+1 and PORT+2, topics with replication factor 3 and min.insync.replicas 2, and "
                        + "prints 'bootstrap 127.0.0.1:PORT,127.0.0.1:PORT+1,127.0.0.1:PORT+2'.",
                "With --node N as well, runs node N (1-3) of that cluster only, so that each node is its own process"
                        + " (and can be killed and started again): start every node with the same --brokers, --port,"
                        + " --controller-port and --data-dir; each prints the bootstrap line once the cluster lists"
                        + " it. No topic is created: run 'icbd topics ensure' once the nodes are up."},
        footer = {"", "Examples:", "  icbd local-kafka --port 9092 --data-dir /var/lib/icbd/kafka",
                "  icbd local-kafka --brokers 3 --port 9092",
                "  icbd local-kafka --brokers 3 --node 2 --port 9092 --controller-port 9192 --data-dir /var/tmp/kafka",
                "  icbd local-kafka --host 10.233.0.1 --port 0"})
public final class LocalKafkaCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1, the first node's "
            + "with --brokers (the next nodes take the ports after it), 0 for free ones (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = LocalKafka.HOST, description = "Address of this "
            + "machine the client listeners bind and advertise, for clients in other network namespaces "
            + "(default: ${DEFAULT-VALUE}); the controllers stay on " + LocalKafka.HOST + ".")
    String host;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "1", description = "Nodes, each a broker and a "
            + "controller, 1-" + LocalKafka.MAX_BROKERS + " (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--node", paramLabel = "N", defaultValue = "0", description = "With --brokers: run node N of the"
            + " cluster only, the others running in other processes; needs --port, --controller-port and --data-dir"
            + " (default: every node).")
    int node;

    @Option(names = "--controller-port", paramLabel = "PORT", defaultValue = "0", description = "The first node's"
            + " controller port on 127.0.0.1, the next nodes' the ports after it (default: free ones).")
    int controllerPort;

    @Option(names = "--data-dir", description = "Keep the broker's data here across runs (default: a temporary directory, deleted on exit).")
    Path dataDir;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions per topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws InterruptedException {
        LocalKafka.Builder builder = builder();
        CountDownLatch stopped = new CountDownLatch(1);
        LocalKafka kafka = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "local-kafka-stop"));
        if (kafka.node().isEmpty()) {
            kafka.ensureTopics(Topics.ALL, partitions);
        }
        spec.commandLine().getOut().println("bootstrap " + kafka.bootstrapServers());
        spec.commandLine().getOut().flush();
        ReadyFile.announce(Map.of("bootstrap", kafka.bootstrapServers()));
        stopped.await();
        return 0;
    }

    /** Checks the options and turns them into a builder; a bad option is a usage error, exit 2. */
    LocalKafka.Builder builder() {
        if (brokers < 1 || brokers > LocalKafka.MAX_BROKERS) {
            throw new ParameterException(spec.commandLine(), "--brokers must be 1-" + LocalKafka.MAX_BROKERS
                    + ", got " + brokers);
        }
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0 or 1-65535, got " + port);
        }
        if (port != 0 && port + brokers - 1 > 65535) {
            throw new ParameterException(spec.commandLine(), "--port " + port + " leaves no room for " + brokers
                    + " nodes (ports " + port + "-" + (port + brokers - 1) + ")");
        }
        if (partitions < 1) {
            throw new ParameterException(spec.commandLine(), "--partitions must be at least 1, got " + partitions);
        }
        if (controllerPort < 0 || controllerPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--controller-port must be 0 or 1-65535, got "
                    + controllerPort);
        }
        if (node != 0) {
            if (node < 1 || node > brokers) {
                throw new ParameterException(spec.commandLine(), "--node must be a node of the " + brokers
                        + "-node cluster, 1-" + brokers + ", got " + node);
            }
            if (port == 0 || controllerPort == 0 || dataDir == null) {
                throw new ParameterException(spec.commandLine(), "--node needs --port, --controller-port and"
                        + " --data-dir, the same for every node of the cluster");
            }
        }
        if (host.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--host must be an address of this machine, got ''");
        }
        try {
            return LocalKafka.builder().brokers(brokers).host(host).port(port).controllerPort(controllerPort).dataDir(dataDir)
                    .node(node);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
