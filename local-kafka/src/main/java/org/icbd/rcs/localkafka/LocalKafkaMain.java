package org.icbd.rcs.localkafka;

import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link LocalKafka} in the foreground with the project's topics until the process is
 * stopped (SIGTERM, Ctrl-C). Once it is ready it prints one line {@code bootstrap
 * 127.0.0.1:PORT} on standard output ({@code bootstrap 127.0.0.1:P,127.0.0.1:P+1,...} for a
 * cluster). Exit codes: 2 for bad arguments, 1 if it does not start.
 *
 * <pre>
 * local-kafka [--brokers N] [--port N] [--controller-port N] [--data-dir DIR]
 * </pre>
 */
public final class LocalKafkaMain {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaMain.class);

    static final String USAGE = """
            usage: local-kafka [--brokers N] [--port N] [--controller-port N] [--data-dir DIR]
              --brokers N          nodes, each a broker and a controller, 1-9 (default: 1)
              --port N             first node's client port on 127.0.0.1, the next nodes' the ports
                                   after it (default: free ones)
              --controller-port N  first node's controller port on 127.0.0.1, the next nodes' the
                                   ports after it (default: free ones)
              --data-dir DIR       keep the data in DIR across runs (default: a temporary
                                   directory, deleted on exit)""";

    static final int EXIT_START_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private LocalKafkaMain() {
    }

    /** The parsed command line; zero ports mean "pick free ones". */
    record Options(int brokers, int port, int controllerPort, Optional<Path> dataDir, boolean help) {

        static Options parse(String... args) {
            int brokers = 1;
            int port = 0;
            int controllerPort = 0;
            Optional<Path> dataDir = Optional.empty();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--brokers" -> brokers = brokersValue(arg, value(args, ++i, arg));
                    case "--port" -> port = portValue(arg, value(args, ++i, arg));
                    case "--controller-port" -> controllerPort = portValue(arg, value(args, ++i, arg));
                    case "--data-dir" -> dataDir = Optional.of(pathValue(arg, value(args, ++i, arg)));
                    case "-h", "--help" -> {
                        return new Options(1, 0, 0, Optional.empty(), true);
                    }
                    default -> throw new UsageException("unknown argument '" + arg + "'");
                }
            }
            if (port != 0 && port + brokers - 1 > 65535) {
                throw new UsageException("--port " + port + " leaves no room for " + brokers + " nodes (ports "
                        + port + "-" + (port + brokers - 1) + ")");
            }
            if (controllerPort != 0 && controllerPort + brokers - 1 > 65535) {
                throw new UsageException("--controller-port " + controllerPort + " leaves no room for " + brokers
                        + " nodes (ports " + controllerPort + "-" + (controllerPort + brokers - 1) + ")");
            }
            if (port != 0 && controllerPort != 0 && port < controllerPort + brokers && controllerPort < port + brokers) {
                throw new UsageException(brokers == 1
                        ? "--port and --controller-port must differ, both are " + port
                        : "--port " + port + " and --controller-port " + controllerPort + " overlap for " + brokers
                        + " nodes (each takes " + brokers + " consecutive ports)");
            }
            return new Options(brokers, port, controllerPort, dataDir, false);
        }

        private static int brokersValue(String option, String value) {
            int brokers;
            try {
                brokers = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new UsageException(option + " must be a number 1-" + LocalKafka.MAX_BROKERS + ", got '" + value
                        + "'");
            }
            if (brokers < 1 || brokers > LocalKafka.MAX_BROKERS) {
                throw new UsageException(option + " must be a number 1-" + LocalKafka.MAX_BROKERS + ", got " + brokers);
            }
            return brokers;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new UsageException(option + " needs a value");
            }
            return args[i];
        }

        private static int portValue(String option, String value) {
            int port;
            try {
                port = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new UsageException(option + " must be a port number 1-65535, got '" + value + "'");
            }
            if (port < 1 || port > 65535) {
                throw new UsageException(option + " must be a port number 1-65535, got " + port);
            }
            return port;
        }

        private static Path pathValue(String option, String value) {
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                throw new UsageException(option + " is not a valid path: " + e.getMessage());
            }
        }
    }

    /** A command line that cannot be run; the message says which argument and why. */
    static final class UsageException extends IllegalArgumentException {

        UsageException(String message) {
            super(message);
        }
    }

    /** Starts the broker and blocks until the process is stopped. */
    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            System.err.println("local-kafka: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        if (options.help()) {
            System.out.println(USAGE);
            return;
        }

        // Registered before the start so that a stop during start-up still closes the broker
        // once it exists; a broker half-way through starting is left to the JVM's exit.
        AtomicReference<LocalKafka> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LocalKafka kafka = running.getAndSet(null);
            if (kafka != null) {
                LOG.info("Stopping the Kafka broker on {}", kafka.bootstrapServers());
                kafka.close();
            }
            stopped.countDown();
        }, "local-kafka-shutdown"));

        LocalKafka kafka;
        try {
            LocalKafka.Builder builder = LocalKafka.builder()
                    .brokers(options.brokers())
                    .port(options.port())
                    .controllerPort(options.controllerPort());
            options.dataDir().ifPresent(builder::dataDir);
            kafka = builder.start();
            running.set(kafka);
            kafka.ensureTopics(Topics.ALL, LocalKafka.DEFAULT_PARTITIONS);
        } catch (RuntimeException e) {
            LOG.error("The Kafka broker did not start", e);
            System.err.println("local-kafka: " + e.getMessage());
            System.exit(EXIT_START_FAILED);
            return;
        }
        PrintStream out = System.out;
        out.println("bootstrap " + kafka.bootstrapServers());
        out.flush();
        stopped.await();
    }
}
