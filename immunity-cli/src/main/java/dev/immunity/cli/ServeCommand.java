package dev.immunity.cli;

import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerConfig;
import dev.immunity.server.config.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity serve}: runs the server until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Start the Immunity server: WebSocket stream, REST API, dashboard page.",
                "Every option can also be set by environment variable or config file; see the README."})
public final class ServeCommand implements Callable<Integer> {
    /** Returned when the server keeps running after {@code call} returns (the JVM must not exit). */
    static final int KEEP_RUNNING = Integer.MIN_VALUE;

    @Spec
    CommandSpec spec;

    @Option(names = "--demo", description = "Stream realistic demo APVs and patches (no Kafka or Redis needed).")
    boolean demo;

    @Option(names = {"-p", "--port"}, paramLabel = "N", description = "Port (default: ${env:IMMUNITY_PORT:-8001}).")
    Integer port;

    @Option(names = "--stream-port", paramLabel = "N",
            description = "Also serve the stream alone on this port, over non-blocking sockets with no thread per client: "
                    + "far less memory per connection (0 = any free port; also IMMUNITY_STREAM_PORT).")
    Integer streamPort;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default: ${env:IMMUNITY_HOST:-127.0.0.1}).")
    String host;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "Read events from Kafka at these bootstrap servers (also IMMUNITY_KAFKA_BOOTSTRAP_SERVERS).")
    String kafka;

    @Option(names = "--redis", paramLabel = "URI",
            description = "Share metrics and fan events out across instances through Redis at this URI, "
                    + "e.g. redis://HOST:PORT (also IMMUNITY_REDIS_URI).")
    String redis;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (also IMMUNITY_CONFIG).")
    String config;

    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    /** The running server, once started (for tests). */
    ImmunityServer server;


    @Override
    public Integer call() {
        Map<String, String> overrides = new HashMap<>();
        if (demo) {
            overrides.put("immunity.demo.enabled", "true");
        }
        if (port != null) {
            overrides.put("immunity.port", port.toString());
        }
        if (streamPort != null) {
            overrides.put("immunity.stream-port", streamPort.toString());
        }
        if (host != null) {
            overrides.put("immunity.host", host);
        }
        if (kafka != null) {
            overrides.put("immunity.kafka.bootstrap-servers", kafka);
        }
        if (redis != null) {
            overrides.put("immunity.redis.uri", redis);
        }
        if (config != null) {
            overrides.put("immunity.config", config);
        }
        ServerSettings settings;
        try {
            settings = ServerConfig.load(overrides, System.getenv());
        } catch (ServerConfig.ConfigException e) {
            throw new ImmunityCli.UserException("bad configuration: " + e.getMessage());
        }
        server = ImmunityServer.start(settings);
        String base = "http://" + ("0.0.0.0".equals(settings.host()) ? "localhost" : settings.host()) + ":" + server.port();
        var out = spec.commandLine().getOut();
        out.println("Immunity is running" + (settings.demo() ? " with the demo stream" : "") + ".");
        out.println("  dashboard   " + base + "/");
        out.println("  stream      " + base.replace("http", "ws") + ImmunityServer.WS_PATH);
        if (server.streamPort() >= 0) {
            out.println("  stream port " + base.replace("http", "ws").replaceFirst(":\\d+$", ":" + server.streamPort())
                    + ImmunityServer.WS_PATH + " (Netty, no thread per client)");
        }
        out.println("  REST API    " + base + ImmunityServer.API_PATH + "/apvs");
        out.println("  OpenAPI     " + base + "/openapi");
        out.println("  health      " + base + "/observe/health");
        out.println("Press Ctrl-C to stop.");
        out.flush();
        // Our own hook (Helidon's is off): not ready first, then clients get 1001 "going away" a few at a time.
        var shutdown = server.settings().shutdown();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.drainAndClose(shutdown.drainDelay(),
                shutdown.closeWindow()), "immunity-shutdown"));
        return KEEP_RUNNING;
    }
}
