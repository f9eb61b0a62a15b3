package org.icbd.rcs.testkit;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The declarative form of {@link LocalKafkaExtension}, and a nested class sharing its broker. */
@ExtendWith(LocalKafkaExtension.class)
class LocalKafkaExtensionIT {

    private static LocalKafka started;

    @BeforeAll
    static void remember(LocalKafka kafka) {
        started = kafka;
    }

    @Test
    void resolvesARunningBrokerWithTheProjectsTopics(LocalKafka kafka) throws Exception {
        assertSame(started, kafka);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertTrue(topics.containsAll(Topics.ALL.stream().map(Topic::name).toList()), "topics " + topics);
        }
    }

    @Nested
    class InANestedClass {

        @Test
        void theEnclosingClassesBrokerIsShared(LocalKafka kafka) {
            assertSame(started, kafka);
        }
    }
}
