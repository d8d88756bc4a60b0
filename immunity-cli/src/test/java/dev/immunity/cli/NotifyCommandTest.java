package dev.immunity.cli;

import com.sun.net.httpserver.HttpServer;
import dev.immunity.core.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code immunity notify test} against a real receiver on loopback. */
class NotifyCommandTest {

    @Test
    void sendsOneTestMessage_onTheNamedRoute_andAnUnknownRouteIsAClearError(@TempDir Path dir) throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try {
            Path config = dir.resolve("immunity.yaml");
            Files.writeString(config, """
                    immunity:
                      notify:
                        routes:
                          - name: secops
                            url: http://127.0.0.1:%d/hook
                            format: slack
                    """.formatted(receiver.getAddress().getPort()));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            var cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
            assertThat(cli.execute("notify", "test", "--route", "secops", "--config", config.toString())).as(err.toString()).isZero();
            assertThat(out.toString()).contains("sent a test message on route secops");
            assertThat(bodies).hasSize(1);
            assertThat(Json.parse(bodies.get(0)).path("text").asText()).contains("Test message from Immunity");

            assertThat(cli.execute("notify", "test", "--route", "nope", "--config", config.toString())).isEqualTo(1);
            assertThat(err.toString()).contains("no route named nope (routes: secops)");
        } finally {
            receiver.stop(0);
        }
    }
}
