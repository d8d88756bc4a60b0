package dev.immunity.server.support;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Kafka broker for tests: a KRaft node (broker and controller) started inside the test JVM with
 * Kafka's own server classes, on fixed ports so it can be stopped and started again with its data.
 * Set {@code IMMUNITY_TEST_KAFKA=host:port} to run the same tests against an external cluster instead
 * (tests that restart the broker then fail, saying they need the in-JVM broker).
 */
public final class TestKafka implements AutoCloseable {
    /** Environment variable naming an external cluster's bootstrap servers. */
    public static final String EXTERNAL = "IMMUNITY_TEST_KAFKA";
    private static final AtomicInteger TOPICS = new AtomicInteger();

    private final String external;
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    private TestKafka(String external) throws IOException {
        this.external = external;
        this.dir = external == null ? Files.createTempDirectory("immunity-kafka") : null;
        this.port = external == null ? freePort() : -1;
        this.controllerPort = external == null ? freePort() : -1;
    }

    /** Starts an in-JVM broker, or uses the external one named by {@value #EXTERNAL}. */
    public static TestKafka start() {
        // A fatal broker error must fail the test, not end the test JVM.
        org.apache.kafka.common.utils.Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka broker wanted to exit(" + code + "): " + message);
        });
        org.apache.kafka.common.utils.Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka broker wanted to halt(" + code + "): " + message);
        });
        try {
            String ext = System.getenv(EXTERNAL);
            TestKafka k = new TestKafka(ext == null || ext.isBlank() ? null : ext);
            if (k.external == null) {
                new Formatter().setClusterId("immunity-test-cluster-0").setNodeId(1)
                        .setDirectories(List.of(k.dir.toString())).setMetadataLogDirectory(k.dir.toString())
                        .setControllerListenerName("CONTROLLER").setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).run();
                k.startBroker();
            }
            return k;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-JVM Kafka broker: " + e, e);
        }
    }

    public String bootstrapServers() {
        return external != null ? external : "localhost:" + port;
    }

    /** A fresh set of topic names, so tests sharing the broker do not see each other's records. */
    public static String uniquePrefix() {
        return "t" + TOPICS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    /** Stops the broker (its data is kept). */
    public synchronized void stopBroker() {
        requireInJvm();
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /** Whether the in-JVM broker is running. */
    public boolean running() {
        return server != null;
    }

    /** Starts the broker again, on the same ports with the same data (nothing if it runs). */
    public synchronized void startBroker() {
        requireInJvm();
        if (server != null) {
            return;
        }
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "3");
        p.put("log.flush.interval.messages", "1");
        server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
        server.startup();
    }

    /** A producer that survives broker restarts without losing or duplicating (idempotent, long delivery timeout). */
    public KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Every record of a topic, read from the beginning until none comes for a second. */
    public List<ConsumerRecord<String, String>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (var c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            var parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < Duration.ofSeconds(1).toNanos()) {
                var records = c.poll(Duration.ofMillis(200));
                records.forEach(out::add);
                if (!records.isEmpty()) {
                    quietSince = System.nanoTime();
                }
            }
        }
        return out;
    }

    private void requireInJvm() {
        if (external != null) {
            throw new IllegalStateException("this test stops and starts the broker: it needs the in-JVM broker (unset "
                    + EXTERNAL + ")");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (server != null) {
            stopBroker();
        }
    }
}
