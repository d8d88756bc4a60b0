package dev.immunity.cli.bench;

import dev.immunity.cli.CliContext;
import dev.immunity.cli.ImmunityCli;
import dev.immunity.cli.OutputOption;
import dev.immunity.cli.Sanitizer;
import dev.immunity.cli.ServerOptions;
import dev.immunity.cli.Table;
import dev.immunity.core.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code immunity bench}: N WebSocket clients, an open-loop event rate, and the numbers. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the stream: N WebSocket clients, events at a constant offered rate (open loop),",
                "deliveries/s, end-to-end latency percentiles (HdrHistogram), connect time, lost and duplicated",
                "deliveries, slow-client closes, server CPU per delivery when the server is local.",
                "Works against any server speaking the stream protocol (the Node peer in bench/peers/node-ws too).",
                "See BENCHMARKS.md."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "fanout",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Scenario scenario;

    @Option(names = "--clients", paramLabel = "N", description = "WebSocket clients (default: 1000; soak 200).")
    Integer clients;

    @Option(names = "--rate", paramLabel = "R/s", description = "Events per second offered (default: fanout 200, latency and slow 100, soak 10).")
    String rate;

    @Option(names = "--duration", paramLabel = "D", description = "How long to send (idle: hold), such as 30s, 2m (default: 10s; soak 10m).")
    String duration;

    @Option(names = "--warmup", paramLabel = "D", defaultValue = "15s",
            description = "Send at the same rate for this long first, not measured: a fresh server JVM on 2 cores is "
                    + "still JIT-compiling for its first ~20 s (0s for none) (default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--payload-bytes", paramLabel = "N", defaultValue = "1024", description = "Size of each event's APV JSON (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--batch", description = "Connect with batch=ndjson (several envelopes per frame).")
    boolean batch;

    @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "Produce events straight to Kafka at these bootstrap servers instead of the trigger endpoint.")
    String kafka;

    @Option(names = "--start-server", description = "Start 'immunity serve' in a child JVM on a free port (with --kafka if given) and measure its CPU and heap.")
    boolean startServer;

    @Option(names = "--stream-port", paramLabel = "N",
            description = "Connect the clients to the server's stream port (Netty, no thread per client) instead of its HTTP port. "
                    + "With --start-server, the server gets one (0: any free port).")
    Integer streamPort;

    @Option(names = "--server-jvm-option", paramLabel = "OPT", description = "JVM option for --start-server (repeat), such as -Xmx512m or -XX:StartFlightRecording=...")
    List<String> serverJvmOptions = new ArrayList<>();

    @Option(names = "--server-pid", paramLabel = "PID", description = "The server's process id, when it runs on this machine: report its CPU per delivery and memory.")
    Long serverPid;

    /** Which WebSocket client implementation the bench uses ({@code nio}: the former name of {@code netty}). */
    public enum ClientKind { netty, nio, jdk }

    @Option(names = "--client", paramLabel = "KIND", defaultValue = "netty",
            description = "WebSocket client: netty (Netty's WebSocket client, one event loop, cheap; nio is the same) or jdk (java.net.http.WebSocket) (default: ${DEFAULT-VALUE}).")
    ClientKind client;

    @Option(names = "--deflate", description = "Offer permessage-deflate (netty client; the server compresses only with immunity.ws.deflate=true on its stream port).")
    boolean deflate;

    @Option(names = "--connect-concurrency", paramLabel = "N", defaultValue = "64", description = "Connections opened at once (default: ${DEFAULT-VALUE}).")
    int connectConcurrency;

    @Mixin
    OutputOption output;

    private final CliContext context;

    public BenchCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        int n = clients != null ? clients : scenario.clients;
        if (n < 1 || n > 100_000) {
            throw bad("--clients: must be between 1 and 100000 (got " + n + ")");
        }
        double r = rate != null ? parseRate(rate) : scenario.rate;
        Duration d = parseDuration(duration != null ? duration : scenario.duration);
        if (payloadBytes < 0 || payloadBytes > 1_000_000) {
            throw bad("--payload-bytes: must be between 0 and 1000000 (got " + payloadBytes + ")");
        }
        if (connectConcurrency < 1) {
            throw bad("--connect-concurrency: must be at least 1 (got " + connectConcurrency + ")");
        }
        if (startServer && serverPid != null) {
            throw bad("--start-server and --server-pid: choose one");
        }
        if (deflate && client == ClientKind.jdk) {
            throw bad("--deflate: the jdk client cannot offer permessage-deflate; use --client netty");
        }
        URI base = server.base();
        HttpClient http = context.http();
        LocalServer local = null;
        try {
            if (startServer) {
                int port = freePort();
                if (streamPort != null && streamPort == 0) {
                    streamPort = freePort();
                }
                local = LocalServer.start(port, streamPort, kafka, serverJvmOptions, Map.of(), http, Duration.ofSeconds(90));
                base = URI.create("http://127.0.0.1:" + port);
            } else if (serverPid != null) {
                try {
                    local = LocalServer.attach(serverPid);
                } catch (IllegalArgumentException e) {
                    throw bad(e.getMessage());
                }
            }
            URI stream = streamPort == null ? null : URI.create("http://" + base.getHost() + ":" + streamPort);
            BenchRun.Plan plan = new BenchRun.Plan(scenario, base, stream, server.token(context), n, r, d, payloadBytes, batch, connectConcurrency,
                    "0".equals(warmup.strip()) || "0s".equals(warmup.strip()) ? Duration.ZERO : parseDuration(warmup));
            Map<String, Object> report;
            try (Connector connector = client == ClientKind.jdk ? new JdkConnector() : new NettyConnector(deflate);
                 EventSender sender = kafka != null ? new KafkaSender(kafka) : new TriggerSender(http, base, server.token(context))) {
                report = new BenchRun(plan, connector, sender, local).run();
                report.put("deflate_offered", deflate);
            } catch (BenchRun.Unreachable e) {
                throw new ImmunityCli.UserException(e.getMessage(), e);
            }
            print(report);
            return 0;
        } finally {
            if (startServer && local != null) {
                local.close();
            }
        }
    }

    private void print(Map<String, Object> report) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Json.write(report));
            out.flush();
            return;
        }
        Table t = new Table("metric", "value");
        for (var e : report.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m) {
                for (var g : m.entrySet()) {
                    t.row(e.getKey() + "." + g.getKey(), format(g.getValue()));
                }
            } else {
                t.row(e.getKey(), format(e.getValue()));
            }
        }
        t.print(out);
    }

    private static String format(Object v) {
        if (v == null) {
            return "-";
        }
        if (v instanceof Percentiles p) {
            return String.format(Locale.ROOT, "p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%d)",
                    p.p50(), p.p90(), p.p99(), p.p999(), p.max(), p.count());
        }
        return v.toString();
    }

    private double parseRate(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.endsWith("/s")) {
            s = s.substring(0, s.length() - 2);
        }
        try {
            double v = Double.parseDouble(s);
            if (v > 0 && v <= 10_000_000) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw bad("--rate: '" + Sanitizer.escape(text) + "' is not a positive rate such as 100 or 100/s");
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long v = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(v);
                case "m" -> Duration.ofMinutes(v);
                case "h" -> Duration.ofHours(v);
                default -> Duration.ofSeconds(v);
            };
            if (!d.isZero()) {
                return d;
            }
        }
        throw bad("--duration: '" + Sanitizer.escape(text) + "' is not a duration such as 30s or 10m");
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
