package dev.immunity.server;

import dev.immunity.server.support.RawHttp;
import dev.immunity.server.support.ServerProcess;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server in a child JVM with a small heap or few open files, under the floods that took the first version
 * down: it refuses what is too much and still answers afterwards.
 */
class ResourceExhaustionTest {

    @Test
    void smallHeap_refusesTwoThousandOneMegabyteTriggers_andStillAnswers() throws Exception {
        try (ServerProcess server = ServerProcess.start(null, List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                Map.of("immunity.port", "0"))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String body = "{\"cve_id\":\"CVE-2097-0001\",\"summary\":\"" + "A".repeat(1_040_000) + "\"}";
            AtomicInteger refused = new AtomicInteger();   // 413 or 429 or 429
            AtomicInteger cutOff = new AtomicInteger();    // the server answered 413 and closed while the body was still coming
            AtomicInteger other = new AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    String cve = body.replace("CVE-2097-0001", String.format("CVE-2097-%04d", i));
                    boolean polite = i % 2 == 0; // half announce the body (Expect: 100-continue), half just send it
                    sent.add(pool.submit(() -> {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + server.port + "/api/test/trigger-apv"))
                                    .header("Content-Type", "application/json")
                                    .expectContinue(polite)
                                    .POST(HttpRequest.BodyPublishers.ofString(cve)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            // 413, or 429 when the trigger's rate limit comes first: refused either way, nothing read
                            (r.statusCode() == 413 || r.statusCode() == 429 ? refused : other).incrementAndGet();
                            if (r.statusCode() != 413 && r.statusCode() != 429) {
                                failure.compareAndSet(null, "HTTP " + r.statusCode());
                            }
                        } catch (IOException e) {
                            (polite ? other : cutOff).incrementAndGet();
                            failure.compareAndSet(null, e.toString());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : sent) {
                    f.get();
                }
            }
            assertThat(other.get()).as("answers other than 413 or 429, or failures of announced bodies (%s)", failure.get()).isZero();
            assertThat(refused.get() + cutOff.get()).isEqualTo(2000);
            assertThat(refused.get()).as("every announced body is answered").isGreaterThanOrEqualTo(1000);
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port
                    + "/api/adaptive-immunity/apvs/CVE-2097-0000")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).as("nothing was stored").isEqualTo(404);
            assertThat(server.process.isAlive()).isTrue();
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port
                    + "/api/adaptive-immunity/metrics")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void fewOpenFiles_aFloodOfConnectionsOnBothPorts_leavesEveryListenerServing() throws Exception {
        try (ServerProcess server = ServerProcess.start("ulimit -n 512;", List.of(),
                Map.of("immunity.port", "0", "immunity.stream-port", "0"))) {
            List<SocketChannel> flood = new ArrayList<>();
            try {
                for (int port : new int[] {server.port, server.streamPort}) {
                    for (int i = 0; i < 600; i++) {
                        SocketChannel ch = SocketChannel.open();
                        ch.configureBlocking(false);
                        ch.connect(new InetSocketAddress("127.0.0.1", port));
                        flood.add(ch);
                    }
                }
                for (SocketChannel ch : flood) {
                    try {
                        ch.finishConnect(); // some are refused or wait in the backlog: both are fine
                    } catch (IOException e) {
                        // refused
                    }
                }
            } finally {
                for (SocketChannel ch : flood) {
                    ch.close();
                }
            }
            assertThat(server.process.isAlive()).isTrue();
            Duration quiet = Duration.ofSeconds(5);
            dev.immunity.server.support.Await.await("the HTTP port answers again", Duration.ofSeconds(30),
                    () -> RawHttp.head(server.port, "GET /api/adaptive-immunity/metrics HTTP/1.1\r\nHost: localhost\r\n"
                            + "Connection: close\r\n\r\n", quiet).startsWith("HTTP/1.1 200"));
            assertThat(RawHttp.status(RawHttp.head(server.port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                    quiet))).isEqualTo(200);
            for (int port : new int[] {server.port, server.streamPort}) {
                try (WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + port + ImmunityServer.WS_PATH))) {
                    assertThat(c.next("hello").path("type").asText()).isEqualTo("hello");
                }
            }
        }
    }
}
