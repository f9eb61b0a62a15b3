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
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code icbd local-kafka}: a real single-node Kafka broker for demos and labs, in the foreground. */
@Command(name = "local-kafka", mixinStandardHelpOptions = true,
        description = {"Run a single-node Apache Kafka broker (KRaft) on 127.0.0.1 in the foreground, "
                + "with the project's topics created. Prints 'bootstrap 127.0.0.1:PORT' when ready; "
                + "stops on Ctrl-C or SIGTERM. Not for production: point services at a real cluster there."},
        footer = {"", "Example:", "  icbd local-kafka --port 9092 --data-dir /var/lib/icbd/kafka"})
public final class LocalKafkaCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Keep the broker's data here across runs (default: a temporary directory, deleted on exit).")
    Path dataDir;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions per topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        LocalKafka kafka = LocalKafka.builder().port(port).dataDir(dataDir).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "local-kafka-stop"));
        kafka.ensureTopics(Topics.ALL, partitions);
        spec.commandLine().getOut().println("bootstrap " + kafka.bootstrapServers());
        spec.commandLine().getOut().flush();
        ReadyFile.announce(Map.of("bootstrap", kafka.bootstrapServers()));
        stopped.await();
        return 0;
    }
}
