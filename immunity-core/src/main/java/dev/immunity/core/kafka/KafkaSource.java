package dev.immunity.core.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.IngestLimits;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Event;
import dev.immunity.core.stream.SourcePosition;
import dev.immunity.core.stream.EventSink;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.core.util.Backoff;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reads the pipeline's APV and patches topics into a {@link StreamManager}: <b>one</b> consumer per
 * process, on its own thread, handing each record straight to the stream (no other thread in between).
 *
 * <ul>
 *   <li><b>Every instance sees every event</b>: the source assigns itself every partition of both topics
 *       (no consumer-group sharing); its own group id only records what it has processed.</li>
 *   <li><b>Rebuild at start</b>: it reads the retained data (or {@code lookBack}) before reporting itself
 *       live; those events rebuild state, metrics and history and are not pushed as new.</li>
 *   <li><b>Poison records</b> (not JSON, not a valid APV/patch) go to the dead-letter topic in the producers'
 *       shape and are counted; the next record is delivered as usual. Records are parsed here, never in a
 *       deserializer, so one bad record cannot wedge the consumer.</li>
 *   <li><b>Cursors are offsets</b>: the stream's cursor names the next offset of every partition, so a client
 *       can resume on a restarted server or another instance.</li>
 *   <li><b>Offsets are committed after</b> the events they carry are in the store.</li>
 *   <li><b>Broker down</b>: the source retries with backoff; REST and WebSocket keep serving.</li>
 * </ul>
 */
public final class KafkaSource implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KafkaSource.class.getName());
    private static final Duration POLL = Duration.ofMillis(100);
    /** Dead letters held while the dead-letter topic cannot be written; beyond it they are counted and logged. */
    static final int DEAD_LETTER_BACKLOG = 10_000;

    /** Where the source is in its life. */
    public enum Phase { CONNECTING, REBUILDING, LIVE, STOPPED }

    /**
     * The source's state for health checks.
     *
     * @param phase        connecting (no broker yet), rebuilding (reading retained data), live, stopped
     * @param brokerUp     whether the cluster answered lately
     * @param deadLettered records sent to the dead-letter topic
     * @param consumed     records read
     * @param lastError    the last problem seen, or null
     * @param deadLettersPending dead letters waiting to be written (the topic is failing while this grows)
     * @param deadLetterError    why the last dead-letter write failed, or null while writes succeed
     * @param failed       valid records whose processing threw: dead-lettered too, and counted here
     */
    public record Status(Phase phase, boolean brokerUp, long deadLettered, long consumed, String lastError,
                         int deadLettersPending, String deadLetterError, long failed) {
        /** Ready to serve current data: live and the broker answering. */
        public boolean ready() {
            return phase == Phase.LIVE && brokerUp;
        }
    }

    private final KafkaSettings settings;
    private final EventSink stream;
    private final InstantSource clock;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;
    private final Thread thread;
    private final LongAdder failed = new LongAdder();
    /** Invalid records on their way to the dead-letter topic: the consumer never waits for that topic. */
    private final DeadLetterQueue deadLetters;
    /** Threads that parse large batches while the consumer thread applies the one before: one per core. */
    private final java.util.concurrent.ExecutorService[] parsers;
    /** Records per chunk below which a batch is parsed on the consumer thread alone. */
    private static final int PARALLEL_PARSE_MIN = 64;
    /** Records to read to rebuild the state, and the count of records read when the rebuild began. */
    private volatile long rebuildTotal;
    private volatile long rebuildBase;
    private final IngestLimits limits;
    private final LongAdder consumed = new LongAdder();

    private volatile boolean running = true;
    private volatile Phase phase = Phase.CONNECTING;
    private volatile String lastError;
    private volatile long brokerSeenAtNanos;
    private volatile long lastProbeNanos;

    // Consumer-thread state.
    private final Map<TopicPartition, Partition> partitions = new HashMap<>();
    /** A batch being parsed in the background while rebuilding, applied after the next poll (or before a retry). */
    private Batch pending;

    /**
     * One partition read: its name in cursors, the end offset the rebuild reads to, and the committed offset below
     * which invalid records were dead-lettered already (by an earlier run of this group).
     */
    private record Partition(String name, boolean apv, long rebuildUntil, long deadLetteredBefore) {
    }

    public KafkaSource(KafkaSettings settings, StreamManager stream, InstantSource clock) {
        this(settings, IngestLimits.DEFAULTS, stream, clock);
    }

    /** @param limits the largest APV and patch record accepted; larger ones are dead-lettered unread */
    public KafkaSource(KafkaSettings settings, IngestLimits limits, EventSink stream, InstantSource clock) {
        this.limits = limits;
        this.settings = settings;
        this.stream = stream;
        this.clock = clock;
        this.consumer = new KafkaConsumer<>(KafkaClients.consumerConfig(settings), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.producer = new KafkaProducer<>(KafkaClients.producerConfig(settings), new StringSerializer(), new ByteArraySerializer());
        this.admin = Admin.create(KafkaClients.adminConfig(settings));
        this.thread = Thread.ofPlatform().name("immunity-kafka").daemon(true).unstarted(this::run);
        this.deadLetters = new DeadLetterQueue(settings.dlqTopic(), producer, clock, DEAD_LETTER_BACKLOG);
        this.parsers = new java.util.concurrent.ExecutorService[Runtime.getRuntime().availableProcessors()];
        for (int i = 0; i < parsers.length; i++) {
            parsers[i] = java.util.concurrent.Executors.newSingleThreadExecutor(
                    Thread.ofPlatform().name("immunity-kafka-parse-" + i).daemon(true).factory());
        }
    }

    /** Starts reading (on its own thread). Returns at once, broker or not. */
    public void start() {
        thread.start();
        deadLetters.start();
    }

    /** Stops reading and closes the clients. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (var p : parsers) {
            p.shutdownNow();
        }
        deadLetters.close();
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
        phase = Phase.STOPPED;
    }

    /** Where the source is in its life (no probing: cheap). */
    public Phase phase() {
        return phase;
    }

    /** The source's state; probes the cluster (at most once a second, for at most 2 s) when it has been quiet. */
    public Status status() {
        long now = System.nanoTime();
        if (now - brokerSeenAtNanos > TimeUnit.SECONDS.toNanos(3) && now - lastProbeNanos > TimeUnit.SECONDS.toNanos(1)) {
            lastProbeNanos = now;
            try {
                admin.describeCluster().clusterId().get(2, TimeUnit.SECONDS);
                brokerSeenAtNanos = System.nanoTime();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                lastError = "cluster not reachable: " + rootMessage(e);
            }
        }
        boolean up = System.nanoTime() - brokerSeenAtNanos <= TimeUnit.SECONDS.toNanos(3);
        return new Status(phase, up, deadLetters.letters(), consumed.sum(), lastError, deadLetters.pending(),
                deadLetters.error(), failed.sum());
    }

    /**
     * How far the rebuild has come, for readiness: {@code "read N of M records"} while rebuilding (N can pass M a
     * little, as records keep arriving), else null.
     */
    public String rebuildProgress() {
        if (phase != Phase.REBUILDING) {
            return null;
        }
        return "read " + (consumed.sum() - rebuildBase) + " of " + rebuildTotal + " records";
    }

    /** Records sent to the dead-letter topic so far. */
    public long deadLettered() {
        return deadLetters.letters();
    }

    /** Records read so far. */
    public long consumed() {
        return consumed.sum();
    }

    /** Publishes an APV in the producers' format to the APV topic, keyed by its CVE id (as the detection engine does). */
    public CompletableFuture<RecordMetadata> publishApv(String cveId, ObjectNode apvJson) {
        return send(settings.apvTopic(), cveId, apvJson);
    }

    /** Publishes a patch message to the patches topic, keyed by its CVE id. */
    public CompletableFuture<RecordMetadata> publishPatch(String cveId, ObjectNode patchJson) {
        return send(settings.patchesTopic(), cveId, patchJson);
    }

    private CompletableFuture<RecordMetadata> send(String topic, String key, JsonNode value) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key, Json.write(value).getBytes(StandardCharsets.UTF_8)),
                    (metadata, error) -> {
                        if (error != null) {
                            done.completeExceptionally(error);
                        } else {
                            done.complete(metadata);
                        }
                    });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private void run() {
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
        while (running) {
            try {
                if (partitions.isEmpty()) {
                    assignAndSeek();
                    backoff.reset();
                }
                // While rebuilding, a batch is parsed on the parser threads while the one before it is applied
                // here; live, each batch is applied at once (no batch waits for the next poll).
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pending == null ? POLL : Duration.ZERO);
                brokerSeenAtNanos = System.nanoTime();
                Batch next = records.isEmpty() ? null : startParsing(records);
                if (pending != null) {
                    Batch done = pending;
                    pending = null;
                    applyAndCommit(done);
                }
                if (next != null) {
                    if (phase == Phase.REBUILDING) {
                        pending = next;
                    } else {
                        applyAndCommit(next);
                    }
                }
                if (phase == Phase.REBUILDING && pending == null && caughtUp()) {
                    phase = Phase.LIVE;
                    LOG.log(System.Logger.Level.INFO, "Kafka: state rebuilt from retained data (" + consumed.sum()
                            + " records); live");
                }
            } catch (WakeupException e) {
                if (!running) {
                    break;
                }
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                lastError = rootMessage(e);
                long wait = backoff.next().toMillis();
                LOG.log(System.Logger.Level.WARNING, "Kafka: " + lastError + "; retrying in " + wait + " ms");
                sleep(wait);
            }
        }
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "consumer close", e);
        }
    }

    /** Finds the partitions (creating topics when asked), assigns them all, and seeks to where reading starts. */
    private void assignAndSeek() throws Exception {
        phase = Phase.CONNECTING;
        Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(5));
        brokerSeenAtNanos = System.nanoTime();
        List<NewTopic> missing = new ArrayList<>();
        for (String t : List.of(settings.apvTopic(), settings.patchesTopic(), settings.dlqTopic())) {
            if (!topics.containsKey(t)) {
                missing.add(new NewTopic(t, java.util.Optional.of(settings.partitions()), java.util.Optional.empty()));
            }
        }
        if (!missing.isEmpty()) {
            if (!settings.createTopics()) {
                throw new IllegalStateException("topics missing: " + missing.stream().map(NewTopic::name).toList()
                        + " (create them, or set immunity.kafka.create-topics=true)");
            }
            try {
                admin.createTopics(missing).all().get(10, TimeUnit.SECONDS);
                LOG.log(System.Logger.Level.INFO, "Kafka: created topics " + missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            topics = consumer.listTopics(Duration.ofSeconds(5));
        }
        List<TopicPartition> all = new ArrayList<>();
        Map<TopicPartition, String> found = new LinkedHashMap<>();
        for (var topic : List.of(settings.apvTopic(), settings.patchesTopic())) {
            List<PartitionInfo> infos = topics.get(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " has no partitions yet");
            }
            char letter = topic.equals(settings.apvTopic()) ? 'a' : 'p';
            for (PartitionInfo info : infos) {
                TopicPartition tp = new TopicPartition(topic, info.partition());
                all.add(tp);
                found.put(tp, letter + Integer.toString(info.partition()));
            }
        }
        consumer.assign(all);
        Map<TopicPartition, Long> start = new HashMap<>(consumer.beginningOffsets(all, Duration.ofSeconds(5)));
        Map<TopicPartition, Long> end = consumer.endOffsets(all, Duration.ofSeconds(5));
        if (settings.lookBack() != null) {
            long since = clock.instant().minus(settings.lookBack()).toEpochMilli();
            Map<TopicPartition, Long> query = new HashMap<>();
            all.forEach(tp -> query.put(tp, since));
            Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(query, Duration.ofSeconds(5));
            for (TopicPartition tp : all) {
                OffsetAndTimestamp o = at.get(tp);
                start.put(tp, o == null ? end.get(tp) : o.offset());
            }
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(all), Duration.ofSeconds(5));
        Map<String, Long> startByName = new LinkedHashMap<>();
        Map<TopicPartition, Partition> assigned = new HashMap<>();
        for (TopicPartition tp : all) {
            consumer.seek(tp, start.get(tp));
            OffsetAndMetadata c = committed.get(tp);
            assigned.put(tp, new Partition(found.get(tp), tp.topic().equals(settings.apvTopic()), end.get(tp),
                    c == null ? 0L : c.offset()));
            startByName.put(found.get(tp), start.get(tp));
        }
        stream.assign(KafkaClients.fingerprint(settings), startByName);
        long toRead = 0;
        for (TopicPartition tp : all) {
            toRead += Math.max(0, end.get(tp) - start.get(tp));
        }
        rebuildTotal = toRead;
        rebuildBase = consumed.sum();
        partitions.putAll(assigned);
        phase = caughtUp() ? Phase.LIVE : Phase.REBUILDING;
        LOG.log(System.Logger.Level.INFO, "Kafka: reading " + all.size() + " partitions of " + settings.apvTopic()
                + " and " + settings.patchesTopic() + (phase == Phase.LIVE ? " (nothing retained)" : "; rebuilding state"));
    }

    private boolean caughtUp() {
        for (var e : partitions.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue().rebuildUntil()) {
                return false;
            }
        }
        return true;
    }

    /** A record read: its event, or why it is not one (and its JSON when it parsed that far). */
    private record Parsed(Event event, JsonNode json, String error, RuntimeException failure) {
    }

    /** A polled batch: its records in order, the partition each came from, the offsets to commit, and its parsing. */
    private record Batch(List<ConsumerRecord<byte[], byte[]>> records, List<Partition> from,
                         Map<TopicPartition, OffsetAndMetadata> offsets, Parsed[] parsed,
                         List<java.util.concurrent.Future<?>> parsing) {
    }

    /**
     * Starts parsing a batch: a large one (a rebuild, a burst) in chunks on the parser threads, a small one here
     * and now. Parsing is most of a record's cost; applying stays on this thread, in order.
     */
    private Batch startParsing(ConsumerRecords<byte[], byte[]> records) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
        List<Partition> from = new ArrayList<>(records.count());
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> part = records.records(tp);
            Partition p = partitions.get(tp);
            for (ConsumerRecord<byte[], byte[]> r : part) {
                batch.add(r);
                from.add(p);
            }
            offsets.put(tp, new OffsetAndMetadata(part.getLast().offset() + 1));
        }
        Parsed[] out = new Parsed[batch.size()];
        int chunks = Math.min(parsers.length, out.length / PARALLEL_PARSE_MIN);
        if (chunks <= 1) {
            for (int i = 0; i < out.length; i++) {
                out[i] = parse(batch.get(i), from.get(i));
            }
            return new Batch(batch, from, offsets, out, List.of());
        }
        int size = (out.length + chunks - 1) / chunks;
        List<java.util.concurrent.Future<?>> parsing = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int lo = c * size;
            int hi = Math.min(out.length, lo + size);
            parsing.add(parsers[c].submit(() -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = parse(batch.get(i), from.get(i));
                }
            }));
        }
        return new Batch(batch, from, offsets, out, parsing);
    }

    /** Waits for a batch's parsing, hands its events to the stream in order, then commits past it. */
    private void applyAndCommit(Batch batch) {
        for (var f : batch.parsing()) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            } catch (ExecutionException e) {
                throw new IllegalStateException("parser thread failed", e.getCause()); // parse() catches all: a JVM error
            }
        }
        for (int i = 0; i < batch.parsed().length; i++) {
            apply(batch.records().get(i), batch.from().get(i), batch.parsed()[i]);
        }
        // Only now are these records' events in the store: commit (asynchronously, in order).
        consumer.commitAsync(batch.offsets(), (offsets, error) -> {
            if (error != null) {
                LOG.log(System.Logger.Level.DEBUG, "offset commit failed (will be retried with the next batch)", error);
            }
        });
    }

    private Parsed parse(ConsumerRecord<byte[], byte[]> r, Partition p) {
        byte[] value = r.value();
        JsonNode json = null;
        try {
            if (value == null) {
                throw new InvalidEventException("", "empty message (null value)");
            }
            if (p.apv()) {
                limits.checkApv(value.length);
            } else {
                limits.checkPatch(value.length);
            }
            json = Json.parse(value);
            Event event = p.apv() ? WireFormat.parseApv(json)
                    : WireFormat.parsePatch(json, Instant.ofEpochMilli(r.timestamp()));
            return new Parsed(event, json, null, null);
        } catch (InvalidEventException e) {
            return new Parsed(null, json, e.getMessage(), null);
        } catch (RuntimeException e) {
            return new Parsed(null, json, null, e); // a bug in parsing: handled like one in publishing
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r, Partition p, Parsed parsed) {
        consumed.increment();
        byte[] value = r.value();
        SourcePosition position = new SourcePosition(p.name(), r.offset(), r.offset() < p.rebuildUntil(),
                value == null ? 0 : value.length);
        if (parsed.error() != null) {
            if (r.offset() >= p.deadLetteredBefore()) {
                deadLetters.add(r, parsed.json(), parsed.error());
            }
            stream.skip(position);
            return;
        }
        try {
            if (parsed.failure() != null) {
                throw parsed.failure();
            }
            stream.publish(parsed.event(), position);
        } catch (RuntimeException e) {
            // A valid record that a later step could not handle (a bug, an unforeseen case): it is dead-lettered
            // for replay and counted, and the rest of the batch goes on. It never takes its batch down with it.
            failed.increment();
            LOG.log(System.Logger.Level.ERROR, "Kafka: record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " could not be processed; dead-lettered", e);
            if (r.offset() >= p.deadLetteredBefore()) {
                deadLetters.add(r, parsed.json(), "could not be processed: " + rootMessage(e));
            }
            stream.skip(position);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
