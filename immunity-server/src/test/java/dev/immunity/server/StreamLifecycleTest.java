package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import dev.immunity.server.ws.WsSettings;
import dev.immunity.server.support.Transport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Stream scenarios that need a server of their own: slow clients, shutdown, keep-alive. */
class StreamLifecycleTest {

    @ParameterizedTest
    @EnumSource(Transport.class)
    void stalledClient_doesNotDelayOthers_andEndsUpClosedWithTooSlow(Transport transport) {
        ServerSettings s = ServerSettings.forTests();
        String details = "A long advisory text. ".repeat(400); // ~8 KB per event: fills socket buffers quickly
        try (TestServer server = new TestServer(s.withStreamPort(0).withStream(s.stream().withQueueCapacity(64)
                .withCloseTimeout(Duration.ofSeconds(60))));
             WsTestClient stalled = WsTestClient.connectStalled(transport.ws(server, null));
             WsTestClient fast = WsTestClient.connect(transport.ws(server, null))) {
            fast.next("hello");
            int i = 0;
            // Publish until the stalled client's queue overflows; the fast one must get each event meanwhile.
            while (server.server.stream().stats().slowClientCloses() == 0) {
                i++;
                assertThat(i).as("events published before the stalled client overflowed").isLessThan(20_000);
                var json = Fixtures.apvJson("CVE-2025-" + (40000 + i), "medium", List.of("search"));
                json.put("details", details);
                server.server.stream().publish(dev.immunity.core.json.WireFormat.parseApv(json));
                String expected = "CVE-2025-" + (40000 + i);
                fast.until(n -> expected.equals(n.path("payload").path("cve_id").asText()));
            }
            assertThat(server.server.stream().connectionCount()).isEqualTo(1);
            stalled.resume(); // it reads again: it gets what was buffered, then the close frame
            assertThat(stalled.closeCode()).isEqualTo(CloseCodes.TOO_SLOW);
        }
    }

    /**
     * A client that never reads again cannot even take its close frame: once the close timeout has
     * passed, the server must drop the TCP connection itself (its write was blocked on a full socket).
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void clientThatNeverReadsAgain_isDroppedAfterTheCloseTimeout(Transport transport) throws Exception {
        ServerSettings s = ServerSettings.forTests();
        String details = "A long advisory text. ".repeat(400);
        try (TestServer server = new TestServer(s.withStreamPort(0).withStream(s.stream().withQueueCapacity(16)
                .withCloseTimeout(Duration.ofSeconds(1))));
             java.net.Socket raw = new java.net.Socket()) {
            raw.setReceiveBufferSize(4096);
            raw.connect(new java.net.InetSocketAddress("127.0.0.1", transport.port(server)), 5_000);
            raw.getOutputStream().write(("GET /ws/adaptive-immunity HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            raw.setSoTimeout(20_000);
            var in = raw.getInputStream();
            assertThat(new String(in.readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 101");
            // From here on the client reads nothing: publish until its queue overflows.
            for (int i = 1; server.server.stream().stats().slowClientCloses() == 0; i++) {
                assertThat(i).as("events published before the client overflowed").isLessThan(20_000);
                var json = Fixtures.apvJson("CVE-2025-" + (50000 + i), "medium", List.of("search"));
                json.put("details", details);
                server.server.stream().publish(dev.immunity.core.json.WireFormat.parseApv(json));
            }
            Thread.sleep(3_000); // negative bound: the client reads nothing for longer than the 1 s close timeout
            long read = 0;
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = readOrReset(in, buf)) >= 0; ) {
                read += n;
                assertThat(read).as("bytes before the end of the stream").isLessThan(64L * 1024 * 1024);
            }
            assertThat(server.server.stream().connectionCount()).isZero();
        }
    }

    /** Reads, treating a reset connection as its end. */
    private static int readOrReset(java.io.InputStream in, byte[] buf) throws java.io.IOException {
        try {
            return in.read(buf);
        } catch (java.net.SocketException e) {
            return -1;
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void serverShutdown_closesClientsWithGoingAway(Transport transport) {
        TestServer server = new TestServer(ServerSettings.forTests().withStreamPort(0));
        try (WsTestClient c = WsTestClient.connect(transport.ws(server, null))) {
            c.next("hello");
            server.close();
            assertThat(c.closeCode()).isEqualTo(CloseCodes.GOING_AWAY);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void listenOnlyClient_isKeptAliveByServerPings_pastTheIdleTimeout(Transport transport) throws InterruptedException {
        ServerSettings s = ServerSettings.forTests();
        try (TestServer server = new TestServer(s.withStreamPort(0).withWs(new WsSettings(List.of(), 65536, Duration.ofMillis(300),
                Duration.ofSeconds(2))));
             WsTestClient c = WsTestClient.connect(transport.ws(server, null))) {
            c.next("hello");
            // Negative check: for more than twice the idle timeout, sending nothing, the client is not closed.
            dev.immunity.server.support.Await.holdsFor("kept alive by pings", Duration.ofSeconds(5),
                    () -> !c.closeFuture().isDone());
            server.server.stream().publish(Fixtures.apv("CVE-2025-50001"));
            JsonNode apv = c.next("apv");
            assertThat(apv.path("payload").path("cve_id").asText()).isEqualTo("CVE-2025-50001");
        }
    }

    /**
     * With a write delay, a client's next write waits until that long after its last one: a burst sent
     * meanwhile must still arrive whole, in order, each message once, and nothing may wait for a next event.
     */
    @org.junit.jupiter.api.Test
    void streamPortWithAWriteDelay_deliversABurstWhole_andInOrder() {
        ServerSettings s = ServerSettings.forTests().withStreamPort(0);
        try (TestServer server = new TestServer(s.withWs(s.ws().withWriteDelay(Duration.ofMillis(300))));
             WsTestClient c = WsTestClient.connect(Transport.STREAM_PORT.ws(server, null))) {
            c.next("hello");
            List<String> sent = new java.util.ArrayList<>();
            for (int i = 1; i <= 50; i++) {
                sent.add("CVE-2025-" + (60000 + i));
                server.server.stream().publish(Fixtures.apv(sent.getLast()));
            }
            List<String> got = c.until(n -> sent.getLast().equals(n.path("payload").path("cve_id").asText())).stream()
                    .filter(n -> "apv".equals(n.path("type").asText()) && !n.has("snapshot"))
                    .map(n -> n.path("payload").path("cve_id").asText()).toList();
            assertThat(got).containsExactlyElementsOf(sent);
        }
    }
}
