package dev.immunity.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code immunity serve} through the real command line. */
class ServeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CommandLine cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));

    @Test
    void serveDemo_startsTheServer_andStreamsDemoApvs() throws Exception {
        int code = cli.execute("serve", "--demo", "--port", "0");
        ServeCommand serve = cli.getSubcommands().get("serve").getCommand();
        try (var server = serve.server) {
            assertThat(code).isEqualTo(ServeCommand.KEEP_RUNNING);
            assertThat(out.toString()).contains("with the demo stream").contains("/ws/adaptive-immunity");

            CompletableFuture<String> liveApv = new CompletableFuture<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws/adaptive-immunity"),
                            new WebSocket.Listener() {
                                private final StringBuilder message = new StringBuilder();

                                @Override
                                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                                    message.append(data); // the JDK client may hand a message over in parts
                                    if (last) {
                                        String s = message.toString();
                                        message.setLength(0);
                                        if (s.startsWith("{\"type\":\"apv\"") && !s.contains("\"snapshot\":true")) {
                                            liveApv.complete(s);
                                        }
                                    }
                                    w.request(1);
                                    return null;
                                }
                            }).get(10, TimeUnit.SECONDS);
            assertThat(liveApv.get(30, TimeUnit.SECONDS)).contains("\"cve_id\":\"CVE-");
            ws.abort();
        }
    }

    @Test
    void serve_withAnUnreadableConfigFile_printsOneActionableLine_andExits1() {
        int code = cli.execute("serve", "--config", "/nonexistent/immunity.yaml");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("immunity: bad configuration: immunity.config: cannot read /nonexistent/immunity.yaml");
    }

    @Test
    void serve_withABadOption_exits2WithUsage() {
        assertThat(cli.execute("serve", "--port", "eighty")).isEqualTo(2);
        assertThat(err.toString()).contains("--port").contains("Usage:");
    }

    @Test
    void help_listsServe() {
        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString()).contains("serve");
    }
}
