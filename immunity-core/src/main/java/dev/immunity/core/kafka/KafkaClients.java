package dev.immunity.core.kafka;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.Properties;

/**
 * The settings of the Kafka clients {@link KafkaSource} makes (consumer, producer, admin): ours first, then the
 * operator's {@code immunity.kafka.properties.*}, which win.
 */
final class KafkaClients {
    private KafkaClients() {
    }

    /** Identifies the topics in cursors, so a cursor of other topics is not taken for one of these. */
    static String fingerprint(KafkaSettings s) {
        int h = (s.apvTopic() + "\n" + s.patchesTopic()).hashCode();
        return Integer.toString(h & 0x7fffffff, 36);
    }

    private static Properties common(KafkaSettings s) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.putAll(s.clientProperties());
        return p;
    }

    static Properties consumerConfig(KafkaSettings s) {
        Properties p = common(s);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, s.groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "immunity-" + s.groupId());
        // A rebuild reads the retained topics whole: fetch and hand over more per round trip than the defaults
        // (1 MiB per partition, 500 records per poll). A live poll still returns whatever has arrived.
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "4000");
        p.putAll(s.clientProperties()); // again: the caller's settings win
        return p;
    }

    static Properties producerConfig(KafkaSettings s) {
        Properties p = common(s);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0"); // kafka-clients 4 defaults to 5 ms: latency matters here
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.putAll(s.clientProperties());
        return p;
    }

    static Properties adminConfig(KafkaSettings s) {
        Properties p = common(s);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return p;
    }
}
