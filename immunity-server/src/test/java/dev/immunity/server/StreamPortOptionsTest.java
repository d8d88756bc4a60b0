package dev.immunity.server;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.RawWs;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.Transport;
import dev.immunity.server.support.WsTestClient;
import dev.immunity.server.ws.WsSettings;
import dev.immunity.server.ws.WsSettings.IoTransport;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stream port's options: permessage-deflate (off by default) and the I/O transport. */
class StreamPortOptionsTest {
    private static final int MAX_MESSAGE = 4096;

    private static TestServer deflating() {
        return new TestServer(ServerSettings.forTests().withStreamPort(0).withWs(
                new WsSettings(List.of(), MAX_MESSAGE, Duration.ofSeconds(20), Duration.ofMinutes(5)).withDeflate(true)));
    }

    private static byte[] ping(String payload) {
        return ("{\"type\":\"ping\",\"payload\":\"" + payload + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void deflateOn_aClientThatOffersIt_getsEveryMessageCompressed_andItsCompressedMessagesAreRead() throws IOException {
        try (TestServer server = deflating();
             RawWs raw = new RawWs(server.server.streamPort()).inflating()) {
            raw.send(RawWs.upgrade(ImmunityServer.WS_PATH, RawWs.DEFLATE_OFFER).getBytes(StandardCharsets.US_ASCII));
            assertThat(raw.responseHead()).startsWith("HTTP/1.1 101")
                    .containsIgnoringCase("sec-websocket-extensions: permessage-deflate");
            assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");

            server.server.stream().publish(Fixtures.apv("CVE-2025-7001"));
            assertThat(raw.nextOfType("apv").path("payload").path("cve_id").asText()).isEqualTo("CVE-2025-7001");
            raw.send(RawWs.frame(0xC1, RawWs.deflate(ping("compressed"))));
            assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("compressed");
            assertThat(raw.dataFrameHeads).hasSizeGreaterThanOrEqualTo(3).allMatch(b0 -> (b0 & 0x40) != 0);

            // and a client that does not offer it, on the same server, gets plain frames
            try (RawWs plain = RawWs.open(server.server.streamPort())) {
                server.server.stream().publish(Fixtures.apv("CVE-2025-7002"));
                while (!plain.nextOfType("apv").path("payload").path("cve_id").asText().equals("CVE-2025-7002")) {
                    // the snapshot's APVs first
                }
                assertThat(plain.dataFrameHeads).allMatch(b0 -> (b0 & 0x70) == 0);
            }
        }
    }

    /** A few hundred compressed bytes must not inflate into more than the largest message a client may send. */
    @Test
    void deflateOn_aMessageThatInflatesPastTheLimit_closesWith1009_andGarbageWith1002_andTheServerGoesOn()
            throws IOException {
        try (TestServer server = deflating()) {
            int port = server.server.streamPort();
            byte[] bomb = ("{\"type\":\"ping\",\"payload\":\"" + "a".repeat(1_000_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            byte[] compressed = RawWs.deflate(bomb);
            assertThat(compressed.length).isLessThan(MAX_MESSAGE);
            try (RawWs raw = offering(port)) {
                raw.send(RawWs.frame(0xC1, compressed));
                assertThat(raw.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
            }
            try (RawWs raw = offering(port)) {
                raw.send(RawWs.frame(0xC1, "this is not deflate data at all".getBytes(StandardCharsets.UTF_8)));
                assertThat(raw.closeCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
            }
            try (RawWs raw = offering(port)) {
                raw.send(RawWs.frame(0xC1, RawWs.deflate(ping("still-here"))));
                assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("still-here");
            }
        }
    }

    /** The limit is exact for compressed messages too: one byte under is read, one over is refused. */
    @Test
    void deflateOn_theMessageLimitHoldsToTheByte_forCompressedMessages() throws IOException {
        try (TestServer server = deflating()) {
            int port = server.server.streamPort();
            String head = "{\"type\":\"ping\",\"payload\":\"";
            String tail = "\"}";
            String atLimit = head + "b".repeat(MAX_MESSAGE - head.length() - tail.length()) + tail;
            assertThat(atLimit.length()).isEqualTo(MAX_MESSAGE);
            try (RawWs raw = offering(port)) {
                raw.send(RawWs.frame(0xC1, RawWs.deflate(atLimit.getBytes(StandardCharsets.UTF_8))));
                assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).startsWith("bbb");
            }
            try (RawWs raw = offering(port)) {
                raw.send(RawWs.frame(0xC1, RawWs.deflate((atLimit + " ").getBytes(StandardCharsets.UTF_8))));
                assertThat(raw.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
            }
        }
    }

    /** Netty needs JZlib for a server window under 15 bits: such an offer is declined, and the client reads plain frames. */
    @Test
    void deflateOn_anOfferOfASmallerServerWindow_isDeclined_andTheClientGetsPlainFrames() throws IOException {
        try (TestServer server = deflating()) {
            for (String offer : List.of("permessage-deflate; server_max_window_bits=10",
                    "permessage-deflate; server_max_window_bits")) {
                try (RawWs raw = new RawWs(server.server.streamPort())) {
                    raw.send(RawWs.upgrade(ImmunityServer.WS_PATH, "Sec-WebSocket-Extensions: " + offer + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    assertThat(raw.responseHead()).as(offer).startsWith("HTTP/1.1 101")
                            .doesNotContainIgnoringCase("sec-websocket-extensions");
                    assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");
                    raw.send(RawWs.frame(0x81, ping("plain")));
                    assertThat(raw.nextOfType("pong").path("payload").path("echo").asText()).isEqualTo("plain");
                    assertThat(raw.dataFrameHeads).allMatch(b0 -> (b0 & 0x70) == 0);
                }
            }
        }
    }

    private static RawWs offering(int port) throws IOException {
        RawWs raw = new RawWs(port).inflating();
        raw.send(RawWs.upgrade(ImmunityServer.WS_PATH, RawWs.DEFLATE_OFFER).getBytes(StandardCharsets.US_ASCII));
        assertThat(raw.responseHead()).startsWith("HTTP/1.1 101").containsIgnoringCase("permessage-deflate");
        assertThat(raw.nextText().path("type").asText()).isEqualTo("hello");
        return raw;
    }

    @Test
    void theNioTransport_servesTheStream() {
        ServerSettings s = ServerSettings.forTests().withStreamPort(0);
        try (TestServer server = new TestServer(s.withWs(s.ws().withTransport(IoTransport.NIO)));
             WsTestClient c = WsTestClient.connect(Transport.STREAM_PORT.ws(server, null))) {
            assertThat(server.server.streamPortTransport()).isEqualTo("nio");
            c.next("hello");
            server.server.stream().publish(Fixtures.apv("CVE-2025-7003"));
            assertThat(c.next("apv").path("payload").path("cve_id").asText()).isEqualTo("CVE-2025-7003");
        }
    }

    @Test
    void theDefaultTransport_isEpollWhereItLoads() {
        try (TestServer server = new TestServer(ServerSettings.forTests().withStreamPort(0))) {
            assertThat(server.server.streamPortTransport()).isEqualTo(Epoll.isAvailable() ? "epoll" : "nio");
        }
    }

    /**
     * io_uring is opt-in; where the kernel or a sandbox refuses it, asking for it fails the start naming the
     * setting and Netty's reason, rather than quietly running on something else.
     */
    @Test
    void ioUring_servesTheStreamWhereItLoads_andOtherwiseFailsTheStartSayingWhy() {
        ServerSettings s = ServerSettings.forTests().withStreamPort(0);
        ServerSettings uring = s.withWs(s.ws().withTransport(IoTransport.IO_URING));
        if (IoUring.isAvailable()) {
            try (TestServer server = new TestServer(uring);
                 WsTestClient c = WsTestClient.connect(Transport.STREAM_PORT.ws(server, null))) {
                assertThat(server.server.streamPortTransport()).isEqualTo("io_uring");
                c.next("hello");
            }
        } else {
            assertThatThrownBy(() -> new TestServer(uring).close())
                    .hasMessageContaining("immunity.ws.transport=io_uring")
                    .hasMessageContaining(String.valueOf(IoUring.unavailabilityCause().getMessage()));
        }
    }
}
