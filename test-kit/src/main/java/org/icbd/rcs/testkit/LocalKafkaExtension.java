package org.icbd.rcs.testkit;

import java.util.Objects;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JUnit 5 extension that starts one {@link LocalKafka} per test class, with every topic of
 * {@link Topics#ALL} created, and closes it after the class, whether its tests passed or not.
 * Test methods, constructors and lifecycle methods may declare a {@link LocalKafka} parameter.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();
 * ... KAFKA.bootstrapServers() ...
 * }</pre>
 * or {@code @ExtendWith(LocalKafkaExtension.class)} with a {@code LocalKafka} parameter.
 * {@code @Nested} classes share their enclosing class's broker.
 */
public final class LocalKafkaExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            LocalKafkaExtension.class);
    private static final String KEY = "broker";

    private final LocalKafka.Builder builder;
    private final int partitions;
    private volatile LocalKafka current;

    /** A broker on ephemeral ports and a temporary directory, topics with {@link LocalKafka#DEFAULT_PARTITIONS}. */
    public LocalKafkaExtension() {
        this(LocalKafka.builder(), LocalKafka.DEFAULT_PARTITIONS);
    }

    /**
     * A broker started from {@code builder} for each test class, with topics of {@code partitions}
     * partitions. Give the builder no fixed ports if test classes may run in parallel.
     */
    public LocalKafkaExtension(LocalKafka.Builder builder, int partitions) {
        this.builder = Objects.requireNonNull(builder, "builder");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        this.partitions = partitions;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // The store lookup sees enclosing classes' stores too, so a @Nested class reuses their broker.
        LocalKafka kafka = context.getStore(NAMESPACE).get(KEY, LocalKafka.class);
        if (kafka == null) {
            kafka = builder.start();
            context.getStore(NAMESPACE).put(KEY, kafka);
            try {
                kafka.ensureTopics(Topics.ALL, partitions);
            } catch (RuntimeException e) {
                context.getStore(NAMESPACE).remove(KEY);
                kafka.close();
                throw e;
            }
            LOG.info("Kafka broker {} started for {}", kafka.bootstrapServers(), context.getDisplayName());
        }
        current = kafka;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // remove() only sees this context's own store: a @Nested class leaves its parent's broker alone.
        LocalKafka kafka = context.getStore(NAMESPACE).remove(KEY, LocalKafka.class);
        if (kafka != null) {
            if (kafka == current) {
                current = null;
            }
            kafka.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LocalKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        LocalKafka kafka = extensionContext.getStore(NAMESPACE).get(KEY, LocalKafka.class);
        if (kafka == null) {
            throw new ParameterResolutionException("no LocalKafka is running for " + extensionContext.getDisplayName()
                    + ": register LocalKafkaExtension on a static field or on the class, not on an instance field");
        }
        return kafka;
    }

    /**
     * The broker of the running test class.
     *
     * @throws IllegalStateException outside a test class using this extension
     */
    public LocalKafka kafka() {
        LocalKafka kafka = current;
        if (kafka == null) {
            throw new IllegalStateException("no LocalKafka is running: use it from a test of a class that registers "
                    + "this extension on a static field");
        }
        return kafka;
    }

    /** The running broker's {@code 127.0.0.1:PORT}. */
    public String bootstrapServers() {
        return kafka().bootstrapServers();
    }
}
