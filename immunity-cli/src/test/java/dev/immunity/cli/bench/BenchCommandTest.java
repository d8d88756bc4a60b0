package dev.immunity.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.cli.CliContext;
import dev.immunity.cli.ImmunityCli;
import dev.immunity.core.json.Json;
import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code immunity bench} through the real command line against a real in-process server. */
class BenchCommandTest {
    private static ImmunityServer server;
    private static String url;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CommandLine cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
            CliContext.system());

    @BeforeAll
    static void startServer() {
        server = ImmunityServer.start(ServerSettings.forTests().withStreamPort(0));
        url = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void fanout_reportsEveryDelivery_noneLostOrDuplicated_percentilesOrdered() {
        int code = cli.execute("bench", "--server", url, "--clients", "5", "--rate", "20", "--duration", "2s", "-o", "json");

        assertThat(code).as(err.toString()).isZero();
        JsonNode report = Json.parse(out.toString().strip());
        assertThat(report.path("connected").asInt()).isEqualTo(5);
        assertThat(report.path("events_sent").asLong()).isEqualTo(40);
        assertThat(report.path("deliveries").asLong()).isEqualTo(200);
        assertThat(report.path("deliveries_per_second").asLong()).isPositive();
        assertThat(report.path("lost").asLong()).isZero();
        assertThat(report.path("duplicated").asLong()).isZero();
        JsonNode l = report.path("latency_ms");
        assertThat(l.path("count").asLong()).isEqualTo(200);
        assertThat(l.path("p50").asDouble()).isLessThanOrEqualTo(l.path("p90").asDouble());
        assertThat(l.path("p90").asDouble()).isLessThanOrEqualTo(l.path("p99").asDouble());
        assertThat(l.path("p99").asDouble()).isLessThanOrEqualTo(l.path("max").asDouble());
        assertThat(report.path("generator").path("how").asText()).contains("open loop");
    }

    @Test
    void batchedFrames_areSplitIntoEnvelopes() {
        int code = cli.execute("bench", "--server", url, "--clients", "3", "--rate", "50", "--duration", "1s", "--warmup", "0s", "--batch", "-o", "json");

        assertThat(code).as(err.toString()).isZero();
        JsonNode report = Json.parse(out.toString().strip());
        assertThat(report.path("deliveries").asLong()).isEqualTo(150);
        assertThat(report.path("lost").asLong()).isZero();
        assertThat(report.path("duplicated").asLong()).isZero();
    }

    @Test
    void streamPort_nettyClient_countsEveryDelivery() {
        int code = cli.execute("bench", "--server", url, "--stream-port", String.valueOf(server.streamPort()), "--clients", "4",
                "--rate", "25", "--duration", "1s", "--warmup", "0s", "-o", "json");

        assertThat(code).as(err.toString()).isZero();
        JsonNode report = Json.parse(out.toString().strip());
        assertThat(report.path("client").asText()).isEqualTo("netty");
        assertThat(report.path("stream").asText()).contains(":" + server.streamPort() + "/");
        assertThat(report.path("connected").asInt()).isEqualTo(4);
        assertThat(report.path("deliveries").asLong()).isEqualTo(100);
        assertThat(report.path("lost").asLong()).isZero();
        assertThat(report.path("duplicated").asLong()).isZero();
    }

    @Test
    void jdkClient_countsTheSame() {
        int code = cli.execute("bench", "--server", url, "--client", "jdk", "--clients", "3", "--rate", "20", "--duration", "1s",
                "--warmup", "0s", "-o", "json");

        assertThat(code).as(err.toString()).isZero();
        JsonNode report = Json.parse(out.toString().strip());
        assertThat(report.path("client").asText()).isEqualTo("jdk");
        assertThat(report.path("deliveries").asLong()).isEqualTo(60);
        assertThat(report.path("lost").asLong()).isZero();
    }

    @Test
    void table_isTheDefault() {
        assertThat(cli.execute("bench", "--server", url, "--clients", "2", "--rate", "10", "--duration", "1s", "--warmup", "0s")).isZero();
        assertThat(out.toString()).startsWith("METRIC").contains("deliveries_per_second").contains("latency_ms");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--clients=0", "--rate=fast", "--rate=-1", "--duration=soon", "--warmup=later", "--scenario=nope", "--client=curl", "--server=ftp://x"})
    void badArguments_exit2(String arg) {
        assertThat(cli.execute("bench", arg)).isEqualTo(2);
        assertThat(err.toString()).isNotBlank();
    }

    @Test
    void unreachableServer_exits1_withOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int code = cli.execute("bench", "--server", "http://127.0.0.1:" + port, "--clients", "2", "--duration", "1s");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("cannot reach server at http://127.0.0.1:" + port);
    }
}
