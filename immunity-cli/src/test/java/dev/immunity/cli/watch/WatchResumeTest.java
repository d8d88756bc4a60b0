package dev.immunity.cli.watch;

import dev.immunity.core.util.Backoff;
import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.cli.CliContext;
import dev.immunity.cli.ImmunityCli;
import dev.immunity.cli.TestApvs;
import dev.immunity.core.json.Json;
import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerSettings;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stream drops and returns; {@code watch -o ndjson} prints every event once, in order.
 *
 * <p>How the stream is dropped: the server closes the client's connection itself, through the stream
 * manager's public {@code close(connectionId, code, reason)} — the same path it takes on shutdown (1001)
 * and for a client whose queue overflowed (4001). The session is removed at once, so events published
 * right after are not sent on the old connection: the client only gets them by reconnecting and resuming
 * with its cursor.
 */
class WatchResumeTest {

    @Test
    void streamDropsTwice_watchNdjsonResumesFromItsCursor_andPrintsEveryEventOnce() throws Exception {
        try (ImmunityServer server = ImmunityServer.start(ServerSettings.forTests())) {
            server.stream().publish(TestApvs.apv("CVE-2024-0100", "low", "before")); // in the snapshot
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            var cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                    CliContext.system().withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
            String url = "http://127.0.0.1:" + server.port();
            CompletableFuture<Integer> code = CompletableFuture.supplyAsync(
                    () -> cli.execute("watch", "--server", url, "-o", "ndjson", "--count", "9"));

            String first = awaitHello(out, 1);
            publish(server, 1, 3);
            awaitLine(out, "CVE-2025-0003");

            // Drop 1: the server goes away (1001), and three events happen while the client is gone.
            server.stream().close(connectionId(first), CloseCodes.GOING_AWAY, "test: dropped");
            publish(server, 4, 6);
            String second = awaitHello(out, 2);
            awaitLine(out, "CVE-2025-0006");

            // Drop 2: too slow (4001): reconnect at once and resume.
            server.stream().close(connectionId(second), CloseCodes.TOO_SLOW, "test: too slow");
            publish(server, 7, 9);

            assertThat(code.get(30, TimeUnit.SECONDS)).isZero();
            List<JsonNode> envelopes = out.toString().lines().map(Json::parse).toList();
            List<String> liveApvs = envelopes.stream()
                    .filter(e -> e.path("type").asText().equals("apv") && !e.path("snapshot").asBoolean())
                    .map(e -> e.path("payload").path("cve_id").asText()).toList();
            assertThat(liveApvs).containsExactly("CVE-2025-0001", "CVE-2025-0002", "CVE-2025-0003", "CVE-2025-0004",
                    "CVE-2025-0005", "CVE-2025-0006", "CVE-2025-0007", "CVE-2025-0008", "CVE-2025-0009");
            List<String> cursors = envelopes.stream().filter(e -> e.has("cursor") && !e.path("type").asText().equals("hello"))
                    .map(e -> e.path("cursor").asText()).toList();
            assertThat(cursors).doesNotHaveDuplicates().hasSize(9);
            List<JsonNode> hellos = envelopes.stream().filter(e -> e.path("type").asText().equals("hello")).toList();
            assertThat(hellos).hasSize(3);
            assertThat(hellos.get(0).path("payload").path("mode").asText()).isEqualTo("snapshot");
            for (JsonNode h : hellos.subList(1, 3)) {
                assertThat(h.path("payload").path("mode").asText()).isEqualTo("resume");
                assertThat(h.path("payload").path("recovered").asBoolean()).isTrue();
            }
            // The snapshot APV came once, before any live event, and never again (its SLA clock came with it, once).
            assertThat(out.toString().lines().filter(l -> l.contains("CVE-2024-0100"))).hasSize(2);
            assertThat(envelopes.stream().filter(e -> e.path("type").asText().equals("apv")
                    && e.path("payload").path("cve_id").asText().equals("CVE-2024-0100"))).hasSize(1);
            assertThat(err.toString()).contains("server going away (1001): reconnecting", "too slow (4001): reconnecting in 0 ms");
        }
    }

    private static void publish(ImmunityServer server, int from, int to) {
        for (int i = from; i <= to; i++) {
            server.stream().publish(TestApvs.apv(String.format("CVE-2025-%04d", i), "high", "svc"));
        }
    }

    private static String connectionId(String hello) {
        return Json.parse(hello).path("payload").path("connection_id").asText();
    }

    private static String awaitHello(StringWriter out, int nth) {
        return org.awaitility.Awaitility.await("hello #" + nth).atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(10))
                .until(() -> out.toString().lines().filter(l -> l.startsWith("{\"type\":\"hello\"")).toList(),
                        hellos -> hellos.size() >= nth)
                .get(nth - 1);
    }

    private static void awaitLine(StringWriter out, String needle) {
        org.awaitility.Awaitility.await("a line with " + needle).atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(10)).until(() -> out.toString().contains(needle));
    }
}
