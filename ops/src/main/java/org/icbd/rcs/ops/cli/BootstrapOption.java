package org.icbd.rcs.ops.cli;

import picocli.CommandLine.Option;

/** The Kafka bootstrap address every Kafka-facing subcommand takes; {@code ICBD_BOOTSTRAP} sets its default. */
public final class BootstrapOption {

    public static final String DEFAULT = "127.0.0.1:9092";

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = "${env:ICBD_BOOTSTRAP:-" + DEFAULT + "}",
            description = "Kafka bootstrap servers (default: $ICBD_BOOTSTRAP or ${DEFAULT-VALUE}).")
    String bootstrap;

    public String bootstrap() {
        return bootstrap;
    }
}
