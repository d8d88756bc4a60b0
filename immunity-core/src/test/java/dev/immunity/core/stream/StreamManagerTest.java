package dev.immunity.core.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.TestEvents;
import dev.immunity.core.metrics.MetricsEngine;
import dev.immunity.core.metrics.MetricsSettings;
import dev.immunity.core.model.PatchStatus;
import dev.immunity.core.model.Priority;
import dev.immunity.core.store.EventStore;
import dev.immunity.core.store.StoreSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class StreamManagerTest {
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
    private final List<StreamManager> managers = new ArrayList<>();

    private StreamManager manager(StreamSettings settings) {
        InstantSource clock = InstantSource.system();
        StreamManager m = new StreamManager(new EventStore(StoreSettings.defaults()),
                new MetricsEngine(clock, MetricsSettings.defaults()), settings, clock);
        managers.add(m);
        return m;
    }

    private StreamManager manager() {
        return manager(StreamSettings.defaults());
    }

    @AfterEach
    void stop() {
        managers.forEach(StreamManager::stop);
    }

    private static String cve(int i) {
        return "CVE-2026-" + (10000 + i);
    }

    /** Publishes APV 1 to a client and returns its cursor; the client then leaves. */
    private static String cursorOfTheFirstApv(StreamManager m) {
        RecordingConnection first = new RecordingConnection();
        String id = m.connect(first);
        publishApvs(m, 1, 1);
        await(() -> first.messages("apv").size() == 1);
        String cursor = first.messages("apv").get(0).path("cursor").asText();
        m.disconnect(id);
        return cursor;
    }

    /** A client resuming from {@code cursor}, once it has had what the server sends first. */
    private static RecordingConnection resume(StreamManager m, String cursor) {
        RecordingConnection again = new RecordingConnection();
        m.connect(again, ConnectOptions.resume(cursor));
        await(() -> !again.messages("metrics").isEmpty());
        return again;
    }

    private static void publishApvs(StreamManager m, int from, int to) {
        for (int i = from; i <= to; i++) {
            assertThat(m.publish(TestEvents.apv(cve(i), Priority.HIGH, T0.plusSeconds(i)))).isTrue();
        }
    }

    private static void await(Supplier<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(5)).until(condition::get);
    }

    /** A negative check: {@code condition} holds throughout {@code period}, a short bound the test chooses. */
    private static void holdsFor(Duration period, Supplier<Boolean> condition) {
        org.awaitility.Awaitility.await().during(period).atMost(period.plusSeconds(5))
                .pollInterval(Duration.ofMillis(10)).until(condition::get);
    }

    private static List<String> cveIds(List<JsonNode> messages) {
        return messages.stream().filter(n -> n.path("type").asText().equals("apv"))
                .map(n -> n.path("payload").path("cve_id").asText()).toList();
    }

    @Test
    void broadcast_serializesEachEventOnce_andHandsTheSameFrameToEveryClient() {
        StreamManager m = manager();
        RecordingConnection a = new RecordingConnection();
        RecordingConnection b = new RecordingConnection();
        m.connect(a);
        m.connect(b);
        publishApvs(m, 1, 3);
        await(() -> a.messages("apv").size() == 3 && b.messages("apv").size() == 3);

        List<byte[]> framesA = apvFrames(a);
        List<byte[]> framesB = apvFrames(b);
        for (int i = 0; i < 3; i++) {
            assertThat(framesA.get(i)).isSameAs(framesB.get(i));
        }
    }

    private static List<byte[]> apvFrames(RecordingConnection c) {
        synchronized (c.raw) {
            return c.raw.stream().filter(f -> new String(f, java.nio.charset.StandardCharsets.UTF_8)
                    .contains("\"type\":\"apv\"")).toList();
        }
    }

    @Test
    void connect_withoutCursor_getsHelloThenCurrentStateThenLiveEvents() {
        StreamManager m = manager();
        publishApvs(m, 1, 2);
        m.publish(TestEvents.patch("patch-1", cve(1), PatchStatus.VALIDATING, T0.plusSeconds(5)));
        RecordingConnection c = new RecordingConnection();
        m.connect(c);
        publishApvs(m, 3, 3);
        await(() -> c.messages("apv").size() == 3);

        List<JsonNode> msgs = c.messages();
        JsonNode hello = msgs.get(0);
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        assertThat(hello.path("payload").path("mode").asText()).isEqualTo("snapshot");
        assertThat(hello.path("payload").path("recovered").isNull()).isTrue();
        assertThat(msgs.get(1).path("snapshot").asBoolean()).isTrue();
        assertThat(cveIds(msgs)).containsExactly(cve(1), cve(2), cve(3));
        assertThat(c.messages("patch")).hasSize(1);
        assertThat(c.messages("metrics")).isNotEmpty();
        JsonNode live = c.messages("apv").get(2);
        assertThat(live.has("snapshot")).isFalse();
        assertThat(live.path("cursor").asText()).isEqualTo(m.currentCursor());
    }

    @Test
    void resume_withCursor_deliversExactlyWhatWasMissed_inOrder_thenLive() {
        StreamManager m = manager();
        RecordingConnection first = new RecordingConnection();
        String id = m.connect(first);
        publishApvs(m, 1, 5);
        await(() -> first.messages("apv").size() == 5);
        String cursor = first.messages("apv").get(4).path("cursor").asText();
        m.disconnect(id);

        publishApvs(m, 6, 10);
        RecordingConnection again = new RecordingConnection();
        m.connect(again, ConnectOptions.resume(cursor));
        publishApvs(m, 11, 11);
        await(() -> again.messages("apv").size() >= 6);

        JsonNode hello = again.messages().get(0);
        assertThat(hello.path("payload").path("mode").asText()).isEqualTo("resume");
        assertThat(hello.path("payload").path("recovered").asBoolean()).isTrue();
        assertThat(cveIds(again.messages())).containsExactly(cve(6), cve(7), cve(8), cve(9), cve(10), cve(11));
    }

    @Test
    void resume_withCursorOlderThanHistory_saysNotRecovered_andSendsASnapshot() {
        StreamManager m = manager(StreamSettings.defaults().withHistorySize(3));
        String cursor = cursorOfTheFirstApv(m);
        publishApvs(m, 2, 8);

        RecordingConnection again = resume(m, cursor);

        JsonNode hello = again.messages().get(0).path("payload");
        assertThat(hello.path("recovered").asBoolean(true)).isFalse();
        assertThat(hello.path("mode").asText()).isEqualTo("snapshot");
        assertThat(hello.path("reason").asText()).contains("older than the history");
        assertThat(cveIds(again.messages())).hasSize(8).allMatch(c -> c.startsWith("CVE-2026-"));
        assertThat(again.messages("apv")).allMatch(n -> n.path("snapshot").asBoolean());
    }

    @Test
    void history_isBoundedInBytes_asWellAsInCount() {
        StreamManager m = manager(StreamSettings.defaults().withHistoryMaxBytes(64 * 1024));
        String cursor = cursorOfTheFirstApv(m);
        publishApvs(m, 2, 200); // far fewer than the 10,000 the count allows, but over 64 KiB of frames

        RecordingConnection again = resume(m, cursor);

        JsonNode hello = again.messages().get(0).path("payload");
        assertThat(hello.path("recovered").asBoolean(true)).isFalse();
        assertThat(hello.path("reason").asText()).contains("older than the history");
    }

    @Test
    void resume_withCursorOfAnotherHistory_saysNotRecovered() {
        StreamManager m = manager();
        RecordingConnection c = new RecordingConnection();
        m.connect(c, ConnectOptions.resume("0123abcd-5"));
        await(() -> !c.messages().isEmpty());
        assertThat(c.messages().get(0).path("payload").path("recovered").asBoolean(true)).isFalse();
        assertThat(c.messages().get(0).path("payload").path("reason").asText()).contains("another stream history");

        RecordingConnection garbage = new RecordingConnection();
        m.connect(garbage, ConnectOptions.resume("<script>"));
        await(() -> !garbage.messages().isEmpty());
        assertThat(garbage.messages().get(0).path("payload").path("recovered").asBoolean(true)).isFalse();
    }

    @Test
    void redeliveredApv_andBackwardsPatchStatus_areNotSentAgain() {
        StreamManager m = manager();
        RecordingConnection c = new RecordingConnection();
        m.connect(c);
        var apv = TestEvents.apv(cve(1), Priority.LOW, T0);
        assertThat(m.publish(apv)).isTrue();
        assertThat(m.publish(apv)).isFalse();
        assertThat(m.publish(TestEvents.patch("p1", cve(1), PatchStatus.MERGED, T0.plusSeconds(60)))).isTrue();
        assertThat(m.publish(TestEvents.patch("p1", cve(1), PatchStatus.APPLIED, T0.plusSeconds(50)))).isFalse();
        await(() -> c.messages("patch").size() == 1);

        assertThat(c.messages("apv")).hasSize(1);
        assertThat(m.stats().duplicatesIgnored()).isEqualTo(2);
        assertThat(m.metrics().apvsDetected()).isEqualTo(1);
        assertThat(m.metrics().patchesMerged()).isEqualTo(1);
    }

    @Test
    void stalledClient_doesNotDelayOthers_andIsClosedAsTooSlow() {
        // 16: each APV is two messages (the APV and its SLA clock's start)
        StreamManager m = manager(StreamSettings.defaults().withQueueCapacity(16));
        CountDownLatch never = new CountDownLatch(1);
        RecordingConnection stalled = new RecordingConnection(never);
        RecordingConnection fast = new RecordingConnection();
        m.connect(stalled);
        m.connect(fast);

        // One at a time: each event reaches the fast client while the stalled one holds its writer.
        for (int i = 1; i <= 50; i++) {
            publishApvs(m, i, i);
            int expected = i;
            await(() -> fast.messages("apv").size() == expected);
        }
        assertThat(stalled.closed).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(CloseCodes.TOO_SLOW);
        assertThat(m.stats().slowClientCloses()).isEqualTo(1);
        assertThat(m.connectionCount()).isEqualTo(1);
        never.countDown();
    }

    @Test
    void filter_sendsOnlyMatchingApvsAndTheirPatches() {
        StreamManager m = manager();
        RecordingConnection critical = new RecordingConnection();
        m.connect(critical, new ConnectOptions(null,
                StreamFilter.parse(List.of("critical"), List.of("payments-api")), false));
        m.publish(TestEvents.apv(cve(1), Priority.CRITICAL, T0, List.of("payments-api")));
        m.publish(TestEvents.apv(cve(2), Priority.CRITICAL, T0, List.of("search")));
        m.publish(TestEvents.apv(cve(3), Priority.LOW, T0, List.of("payments-api")));
        m.publish(TestEvents.patch("p1", cve(1), PatchStatus.PENDING, T0));
        m.publish(TestEvents.patch("p3", cve(3), PatchStatus.PENDING, T0));
        m.publish(TestEvents.apv(cve(4), Priority.CRITICAL, T0, List.of("payments-api", "auth")));
        await(() -> cveIds(critical.messages()).size() == 2);

        assertThat(cveIds(critical.messages())).containsExactly(cve(1), cve(4));
        assertThat(critical.messages("patch")).extracting(n -> n.path("payload").path("patch_id").asText())
                .containsExactly("p1");
    }

    @Test
    void batchingClient_getsQueuedEnvelopesInFewerFrames() {
        StreamManager m = manager();
        CountDownLatch gate = new CountDownLatch(1);
        RecordingConnection batched = new RecordingConnection(gate);
        m.connect(batched, new ConnectOptions(null, StreamFilter.ALL, true));
        publishApvs(m, 1, 20);
        gate.countDown();
        await(() -> batched.messages("apv").size() == 20);

        assertThat(cveIds(batched.messages())).hasSize(20).doesNotHaveDuplicates();
        assertThat(batched.frames.size()).isLessThan(20);
        assertThat(m.stats().framesSent()).isLessThan(m.stats().messagesSent());
    }

    @Test
    void heartbeat_carriesTheConnectionCount() {
        StreamManager m = manager(StreamSettings.defaults().withHeartbeatInterval(Duration.ofMillis(50)));
        RecordingConnection a = new RecordingConnection();
        m.connect(a);
        m.connect(new RecordingConnection());
        m.start();
        await(() -> !a.messages("heartbeat").isEmpty());
        assertThat(a.messages("heartbeat").get(0).path("payload").path("connections").asInt()).isEqualTo(2);
    }

    @Test
    void metrics_areBroadcastWhenTheyChange_andNotWhileTheyStayTheSame() throws InterruptedException {
        StreamManager m = manager(StreamSettings.defaults().withMetricsInterval(Duration.ofMillis(50)));
        RecordingConnection c = new RecordingConnection();
        m.connect(c);
        m.start();
        await(() -> c.messages("metrics").size() >= 2); // the snapshot's, then the first tick's
        // Negative check over twelve ticks (50 ms each): with nothing new, no further metrics message.
        int quiet = c.messages("metrics").size();
        holdsFor(Duration.ofMillis(600), () -> c.messages("metrics").size() == quiet);

        publishApvs(m, 1, 1);
        await(() -> c.messages("metrics").size() > quiet);
        JsonNode latest = c.messages("metrics").getLast();
        assertThat(latest.path("payload").path("apvs_detected").asInt()).isEqualTo(1);
    }

    @Test
    void stop_closesEveryClientWithGoingAway() {
        StreamManager m = manager();
        RecordingConnection a = new RecordingConnection();
        RecordingConnection b = new RecordingConnection();
        m.connect(a);
        m.connect(b);
        m.stop();
        assertThat(a.closed).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(CloseCodes.GOING_AWAY);
        assertThat(b.closed).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(CloseCodes.GOING_AWAY);
    }

    @Test
    void eventsSince_cursor_returnsTheEventsAfterIt_orEmptyWhenUnknown() {
        StreamManager m = manager();
        publishApvs(m, 1, 2);
        String cursor = m.currentCursor();
        publishApvs(m, 3, 4);
        assertThat(m.eventsSince(cursor)).hasValueSatisfying(events -> assertThat(events).hasSize(2));
        assertThat(m.eventsSince("nope")).isEmpty();
    }

    /**
     * A non-blocking transport: the manager writes on the transport's own thread, never blocks it, and waits
     * while the transport still holds unwritten bytes; its bounded queue then fills up as for a blocking client.
     */
    @Test
    void nonBlockingConnection_isWrittenOnItsOwnThread_andWaitedForWhileItHoldsUnwrittenBytes() throws Exception {
        // 16: each APV is two messages (the APV and its SLA clock's start)
        StreamManager m = manager(StreamSettings.defaults().withQueueCapacity(16));
        var io = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "test-io"));
        try {
            NonBlockingConnection c = new NonBlockingConnection(io);
            m.connect(c);
            await(() -> c.messages().stream().anyMatch(n -> n.path("type").asText().equals("metrics")));
            c.full = true; // the socket takes this write, then holds the rest
            publishApvs(m, 1, 1);
            await(() -> c.resume != null);
            publishApvs(m, 2, 6); // queued, not written: the transport is not writable
            holdsFor(Duration.ofMillis(200), () -> cveIds(c.messages()).equals(List.of(cve(1)))); // negative check

            c.full = false;
            io.execute(c.resume); // writable again: the writer goes on from where it stopped
            await(() -> cveIds(c.messages()).size() == 6);
            assertThat(cveIds(c.messages())).containsExactly(cve(1), cve(2), cve(3), cve(4), cve(5), cve(6));
            assertThat(c.threads).containsOnly("test-io");

            c.full = true;
            publishApvs(m, 7, 7);
            await(() -> c.resume != null);
            publishApvs(m, 8, 30); // more than the 16 the queue holds
            assertThat(c.closed.get(20, TimeUnit.SECONDS)).isEqualTo(CloseCodes.TOO_SLOW);
            assertThat(m.stats().slowClientCloses()).isEqualTo(1);
        } finally {
            io.shutdownNow();
        }
    }

    private static final class NonBlockingConnection implements Connection {
        final java.util.concurrent.Executor io;
        final List<String> frames = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        volatile boolean full;
        volatile boolean holding;
        volatile Runnable resume;

        NonBlockingConnection(java.util.concurrent.Executor io) {
            this.io = io;
        }

        @Override
        public java.util.concurrent.Executor writer() {
            return io;
        }

        @Override
        public boolean writable(Runnable resume) {
            if (!holding) {
                return true;
            }
            this.resume = () -> {
                holding = full;
                this.resume = null;
                resume.run();
            };
            return false;
        }

        @Override
        public void send(byte[] utf8) {
            threads.add(Thread.currentThread().getName());
            frames.add(new String(utf8, java.nio.charset.StandardCharsets.UTF_8));
            holding = full;
        }

        @Override
        public void close(int code, String reason) {
            closed.complete(code);
        }

        @Override
        public void abort() {
            closed.complete(-1);
        }

        List<JsonNode> messages() {
            synchronized (frames) {
                return frames.stream().map(f -> dev.immunity.core.json.Json.parse(f)).toList();
            }
        }
    }
}
