package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code icbd topics ensure} against a cluster of three KRaft nodes, and the planner's refusal that names it. */
class TopicsCommandIT {

    @Test
    void createsWhatIsMissingWithRf3AndMinIsr2ReportsWhatDiffersAndThenAllOk(@TempDir Path tmp) throws Exception {
        try (LocalKafka kafka = LocalKafka.builder().brokers(3).start();
             Admin admin = Admin.create(kafka.clientConfig())) {
            String bootstrap = kafka.bootstrapServers();
            CliRun planner = CliRun.of("planner", "--bootstrap", bootstrap, "--state-dir", tmp.toString());
            assertEquals(1, planner.exitCode(), planner::err);
            assertTrue(planner.err().contains("'icbd topics ensure --bootstrap " + bootstrap + "'"), planner::err);

            // An operator created icbd.replicas by hand, with the wrong cleanup policy.
            admin.createTopics(List.of(new NewTopic(Topics.REPLICAS.name(), 3, (short) 3)
                    .configs(Map.of("cleanup.policy", "delete", "min.insync.replicas", "2"))))
                    .all().get(30, TimeUnit.SECONDS);

            CliRun first = CliRun.of("topics", "ensure", "--bootstrap", bootstrap, "--replication-factor", "3");

            assertEquals(3, first.exitCode(), first::err);
            for (Topic<String, ?> topic : Topics.ALL) {
                String expected = topic == Topics.REPLICAS
                        ? "differs: cleanup.policy is delete, expected compact" : "created";
                assertTrue(first.out().lines().anyMatch(l -> l.matches(topic.name().replace(".", "\\.") + " +"
                        + expected)), topic.name() + " " + expected + " in\n" + first.out());
            }
            assertEquals(Topics.ALL.size(), first.out().lines().count(), first::out);
            assertTrue(first.err().contains("1 of " + Topics.ALL.size() + " topics differ"), first::err);

            List<String> names = Topics.ALL.stream().map(Topic::name).toList();
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream().map(TopicsCommandIT::resource)
                    .toList()).all().get(30, TimeUnit.SECONDS);
            for (Topic<String, ?> topic : Topics.ALL) {
                TopicDescription d = described.get(topic.name());
                assertEquals(3, d.partitions().size(), topic.name());
                d.partitions().forEach(p -> assertEquals(3, p.replicas().size(), topic.name()));
                Config config = configs.get(resource(topic.name()));
                assertEquals("2", config.get("min.insync.replicas").value(), topic.name());
                if (topic != Topics.REPLICAS) {
                    topic.config().forEach((key, value) -> assertEquals(value, config.get(key).value(),
                            topic.name() + " " + key));
                }
            }

            admin.incrementalAlterConfigs(Map.of(resource(Topics.REPLICAS.name()), List.of(new AlterConfigOp(
                    new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);

            CliRun second = CliRun.of("topics", "ensure", "--bootstrap", bootstrap, "--replication-factor", "3");

            assertEquals(0, second.exitCode(), second::err);
            assertEquals(Topics.ALL.size(), second.out().lines().filter(l -> l.matches("icbd\\.[a-z-]+ +ok"))
                    .count(), second::out);

            CliRun other = CliRun.of("topics", "ensure", "--bootstrap", bootstrap, "--replication-factor", "2",
                    "--partitions", "6");

            assertEquals(3, other.exitCode(), other::err);
            assertTrue(other.out().lines().anyMatch(l -> l.matches("icbd\\.replicas +differs: partitions is 3, "
                    + "expected at least 6; replication\\.factor is 3, expected 2; min\\.insync\\.replicas is 2, "
                    + "expected 1")), other::out);
            assertTrue(other.err().contains(Topics.ALL.size() + " of " + Topics.ALL.size() + " topics differ"),
                    other::err);
        }
    }

    private static ConfigResource resource(String topic) {
        return new ConfigResource(ConfigResource.Type.TOPIC, topic);
    }
}
