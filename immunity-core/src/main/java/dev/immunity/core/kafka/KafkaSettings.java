package dev.immunity.core.kafka;

import java.time.Duration;
import java.util.Map;

/**
 * How the {@link KafkaSource} reads the pipeline's topics.
 *
 * @param bootstrapServers  {@code host:port[,host:port…]}
 * @param apvTopic          the detection engine's APV topic
 * @param patchesTopic      the remediation engine's patches topic
 * @param dlqTopic          where invalid records go, in the producers' dead-letter shape
 * @param groupId           this instance's own consumer group: used only to commit what it has processed (for lag
 *                          monitoring and to avoid dead-lettering a record twice), never to share partitions
 * @param lookBack          how far back to read at start to rebuild state; null reads all retained data
 * @param createTopics      create missing topics at start (with {@code partitions} partitions)
 * @param partitions        partitions of topics this source creates
 * @param clientProperties  extra Kafka client properties (SASL/TLS settings…), passed to consumer, producer and admin
 */
public record KafkaSettings(String bootstrapServers, String apvTopic, String patchesTopic, String dlqTopic,
                            String groupId, Duration lookBack, boolean createTopics, int partitions,
                            Map<String, String> clientProperties) {
    /** The topic names the producers use by default (see {@code docs/wire-format.md}). */
    public static final String APV_TOPIC = "maximus.adaptive-immunity.apv";
    public static final String PATCHES_TOPIC = "maximus.adaptive-immunity.patches";
    public static final String DLQ_TOPIC = "maximus.adaptive-immunity.dlq";

    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is required");
        }
        if (apvTopic.equals(patchesTopic)) {
            throw new IllegalArgumentException("the APV and patches topics must differ");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1 (got " + partitions + ")");
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Default topics, all retained data, topics created when missing with 3 partitions. */
    public static KafkaSettings defaults(String bootstrapServers, String groupId) {
        return new KafkaSettings(bootstrapServers, APV_TOPIC, PATCHES_TOPIC, DLQ_TOPIC, groupId, null, true, 3, Map.of());
    }

    public KafkaSettings withTopics(String apv, String patches, String dlq) {
        return new KafkaSettings(bootstrapServers, apv, patches, dlq, groupId, lookBack, createTopics, partitions,
                clientProperties);
    }

    public KafkaSettings withGroupId(String group) {
        return new KafkaSettings(bootstrapServers, apvTopic, patchesTopic, dlqTopic, group, lookBack, createTopics,
                partitions, clientProperties);
    }
}
