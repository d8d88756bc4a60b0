package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.ServerProcess;
import dev.immunity.server.support.TestRedis;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.immunity.server.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the HAProxy recipe, {@code deploy/haproxy/haproxy.cfg}, for real: a real {@code haproxy} in front of three
 * real server processes sharing a real Redis. The configuration is the recipe file itself with only what must
 * differ in a test replaced (the addresses, and what needs root: chroot, user, the stats socket's path), so its
 * health checks, balancing, timeouts and retries are what is tested.
 *
 * <p>Needs Debian's {@code haproxy} (and {@code redis-server}): without it the test fails saying so, it never skips.
 */
class HaproxyRecipeTest {
    private static final Path RECIPE = locate("deploy/haproxy/haproxy.cfg");
    private static final String BACKEND = "immunity";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path tmp;

    @Test
    void theRecipeAsShipped_passesHaproxysOwnConfigurationCheck() throws Exception {
        Process check = new ProcessBuilder(haproxyBinary().toString(), "-c", "-f", RECIPE.toString())
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as("haproxy -c -f " + RECIPE + ":\n" + out).isZero();
    }

    /**
     * Three instances sharing Redis behind the recipe. A client streams through the proxy; the instance it is
     * connected to is killed (SIGKILL: no close frame, no drain); events keep being published through the proxy,
     * before and after the health checks notice; the client reconnects through the proxy with its last cursor
     * and gets every event exactly once, in order.
     */
    @Test
    void killingTheInstanceAClientStreamsFrom_itResumesThroughTheProxy_withNothingMissedOrDuplicated() throws Exception {
        Path haproxyBinary = haproxyBinary(); // fail first, before starting anything, when it is missing
        String prefix = "haproxy-test-" + UUID.randomUUID() + ":";
        try (TestRedis redis = TestRedis.start(); Instances instances = new Instances()) {
            for (int i = 0; i < 3; i++) {
                instances.add(ServerProcess.start(null, List.of("-Xmx256m", "-XX:+UseSerialGC"), Map.of(
                        "immunity.host", "127.0.0.1",
                        "immunity.port", "0",
                        "immunity.redis.uri", redis.uri(),
                        "immunity.redis.stream-key", prefix + "events",
                        "immunity.redis.metrics-key", prefix + "metrics",
                        // Off by default with Redis (it writes into the real pipeline); the test publishes with it.
                        "immunity.trigger.enabled", "true")));
            }
            List<Integer> ports = instances.all.stream().map(p -> p.port).toList();
            try (Haproxy proxy = Haproxy.start(haproxyBinary, tmp, recipe(), ports)) {
                proxy.awaitAllUp();

                List<String> published = new ArrayList<>();
                List<String> received = new ArrayList<>();
                String cursor;
                int victim;
                try (WsTestClient client = WsTestClient.connect(proxy.ws(null))) {
                    assertThat(client.next("hello").path("payload").path("mode").asText()).isEqualTo("snapshot");
                    for (int i = 1; i <= 3; i++) {
                        published.add(proxy.publish(i));
                    }
                    List<JsonNode> got = client.until(n -> isLiveApv(n) && cve(n).equals(published.getLast()));
                    got.stream().filter(HaproxyRecipeTest::isLiveApv).map(HaproxyRecipeTest::cve).forEach(received::add);
                    cursor = got.getLast().path("cursor").asText();

                    // The instance the proxy chose for the stream: the one that counts a stream client.
                    victim = awaitTheInstanceHoldingTheClient(ports);
                    instances.all.get(victim).process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    // The proxy passes the drop on: no close frame ever came (1006), so this was no drain.
                    assertThat(client.closeFuture().get(30, TimeUnit.SECONDS)).as("close code the client saw").isEqualTo(1006);
                    received.addAll(client.drain().stream().filter(HaproxyRecipeTest::isLiveApv).map(HaproxyRecipeTest::cve).toList());
                }

                // Published at once, before the health checks notice: a request the proxy sends to the dead
                // instance fails to connect and is redispatched to a live one (retries, option redispatch).
                for (int i = 4; i <= 6; i++) {
                    published.add(proxy.publish(i));
                }
                String victimName = Haproxy.serverName(victim);
                // For the reader: how the proxy routed those (a "+" before the retries count means redispatched).
                proxy.log().lines().filter(l -> l.contains("trigger-apv")).forEach(l -> System.out.println("[haproxy] " + l));
                proxy.awaitState(victimName + " marked DOWN by the health checks, the others UP", rows ->
                        rows.stream().allMatch(r -> r.get("svname").equals(victimName)
                                ? r.get("status").startsWith("DOWN") : r.get("status").equals("UP")));
                for (int i = 7; i <= 8; i++) {
                    published.add(proxy.publish(i));
                }

                // The client comes back through the proxy with its last cursor, as the page and `immunity watch` do.
                try (WsTestClient client = WsTestClient.connect(proxy.ws("cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)))) {
                    JsonNode hello = client.next("hello");
                    assertThat(hello.path("payload").path("mode").asText()).as(hello.toString()).isEqualTo("resume");
                    assertThat(hello.path("payload").path("recovered").asBoolean()).as(hello.toString()).isTrue();
                    published.add(proxy.publish(9)); // and one live after the resume
                    client.until(n -> isLiveApv(n) && cve(n).equals(published.getLast())).stream()
                            .filter(HaproxyRecipeTest::isLiveApv).map(HaproxyRecipeTest::cve).forEach(received::add);
                    assertThat(awaitTheInstanceHoldingTheClient(ports)).as("the instance the client resumed on")
                            .isNotEqualTo(victim);
                }
                assertThat(received).as("every event, each once, in order, across the kill").containsExactlyElementsOf(published);
            }
        }
    }

    /**
     * The trap the recipe avoids: {@code option httpchk} with only a URI sends HTTP/1.0, which Helidon does not
     * serve, so a perfectly healthy instance is never seen UP. This is why the recipe says {@code ver HTTP/1.1}.
     */
    @Test
    void theDefaultHttp10HealthCheck_neverSeesAHealthyInstanceUp() throws Exception {
        Path haproxyBinary = haproxyBinary();
        List<String> http10 = new ArrayList<>();
        for (String line : recipe()) {
            String l = line.strip();
            if (l.startsWith("http-check send ")) {
                continue; // without it, HAProxy's default request: "<method> <uri> HTTP/1.0", no Host
            }
            http10.add(l.equals("option httpchk") ? "    option httpchk GET /observe/health/ready" : line);
        }
        assertThat(http10).as("the recipe's 'option httpchk' line, made an HTTP/1.0 check")
                .contains("    option httpchk GET /observe/health/ready");
        try (TestServer server = new TestServer(ServerSettings.forTests());
             Haproxy proxy = Haproxy.start(haproxyBinary, tmp, http10, List.of(server.server.port()))) {
            assertThat(server.get("/observe/health/ready").statusCode()).as("the instance is ready (HTTP/1.1)").isEqualTo(200);
            proxy.awaitState("the HTTP/1.0 check fails and marks the instance DOWN", rows ->
                    rows.getFirst().get("status").startsWith("DOWN") && !rows.getFirst().get("check_status").isBlank());
            Map<String, String> row = proxy.servers().getFirst();
            assertThat(row.get("check_status")).as("last check").isNotEqualTo("L7OK");
            System.out.println("[haproxy] HTTP/1.0 check: " + row.get("status") + ", last check " + row.get("check_status")
                    + " " + row.get("last_chk"));
        }
    }

    // ---- the proxy ----

    /** A real {@code haproxy -db} (foreground) running a configuration derived from the recipe. */
    private static final class Haproxy implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final Path statsSocket;
        private final int port;

        private Haproxy(Process process, Path log, Path statsSocket, int port) {
            this.process = process;
            this.log = log;
            this.statsSocket = statsSocket;
            this.port = port;
        }

        static Haproxy start(Path binary, Path dir, List<String> recipe, List<Integer> backendPorts) throws IOException {
            int port = TestServer.freePort();
            Path socket = dir.resolve("admin.sock");
            Path cfg = dir.resolve("haproxy.cfg");
            Files.write(cfg, derive(recipe, port, backendPorts, socket));
            Path log = dir.resolve("haproxy.log");
            Process p = new ProcessBuilder(binary.toString(), "-f", cfg.toString(), "-db")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Haproxy h = new Haproxy(p, log, socket, port);
            await("haproxy answers on its stats socket (log: " + log + ")", Duration.ofSeconds(20), () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("haproxy exited with " + p.exitValue() + ":\n" + h.log());
                }
                return Files.exists(socket) && h.tryServers() != null;
            });
            return h;
        }

        /**
         * The recipe with only what a test must change: {@code bind} on a free loopback port; the {@code server}
         * lines replaced by one per backend port, keeping the recipe's options ({@code check}…); and in {@code
         * global} no chroot, user or group (they need root), a small maxconn (the recipe's needs a file limit a test
         * user may not be allowed), the stats socket in the test's directory and the log on standard error. Every
         * other line, the health checks, balancing, timeouts and retries included, is the recipe's.
         */
        static List<String> derive(List<String> recipe, int port, List<Integer> backendPorts, Path socket) {
            List<String> out = new ArrayList<>();
            String section = "";
            int binds = 0;
            int servers = 0;
            for (String line : recipe) {
                String l = line.replaceFirst("#.*", "").strip();
                if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#")) {
                    section = l.split("\\s+")[0];
                    out.add(line);
                    continue;
                }
                String word = l.isEmpty() ? "" : l.split("\\s+")[0];
                if (section.equals("global") && List.of("chroot", "user", "group", "daemon", "log").contains(word)) {
                    continue;
                }
                if (section.equals("global") && word.equals("maxconn")) {
                    out.add("    maxconn 256"); // the recipe's needs ~100k file descriptors, more than a test user may have
                } else if (section.equals("global") && l.startsWith("stats socket ")) {
                    out.add("    stats socket " + socket + " mode 600 level admin");
                    out.add("    log stderr format short local0 info");
                } else if (section.equals("frontend") && word.equals("bind")) {
                    if (binds++ == 0) {
                        out.add("    bind 127.0.0.1:" + port);
                    }
                } else if (section.equals("backend") && word.equals("server")) {
                    // server NAME ADDRESS:PORT OPTIONS...: one line per backend, with the recipe's options
                    if (servers++ == 0) {
                        String options = l.split("\\s+", 4).length > 3 ? " " + l.split("\\s+", 4)[3] : "";
                        for (int i = 0; i < backendPorts.size(); i++) {
                            out.add("    server " + serverName(i) + " 127.0.0.1:" + backendPorts.get(i) + options);
                        }
                    }
                } else {
                    out.add(line);
                }
            }
            assertThat(binds).as("bind lines in the recipe's frontend").isPositive();
            assertThat(servers).as("server lines in the recipe's backend").isPositive();
            return out;
        }

        static String serverName(int index) {
            return "immunity-" + (index + 1);
        }

        URI ws(String query) {
            return URI.create("ws://127.0.0.1:" + port + ImmunityServer.WS_PATH + (query == null ? "" : "?" + query));
        }

        /** Publishes APV number {@code n} through the proxy (the test trigger) and returns its CVE id. */
        String publish(int n) {
            String cve = "CVE-2026-5%04d".formatted(n);
            HttpResponse<String> r;
            // A new connection per request, as separate publishers would open: a kept-alive one could be the one
            // the proxy had paired with the killed instance, and a POST is not retried on a closed connection.
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
                r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/test/trigger-apv"))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"cve_id\":\"" + cve + "\",\"priority\":\"high\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new AssertionError("POST trigger " + cve + " through the proxy: " + e + "\nhaproxy log:\n" + log(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            assertThat(r.statusCode()).as("POST trigger " + cve + " through the proxy: " + r.body() + "\nhaproxy log:\n" + log())
                    .isEqualTo(202);
            assertThat(Json.parse(r.body()).path("status").asText()).as(r.body()).isEqualTo("published");
            return cve;
        }

        /** Until every backend server has passed its last health check (HTTP 200) and is UP. */
        void awaitAllUp() {
            awaitState("every instance UP with a passed HTTP health check (L7OK, 200)", rows -> rows.stream().allMatch(
                    r -> r.get("status").equals("UP") && r.get("check_status").equals("L7OK") && r.get("check_code").equals("200")));
        }

        void awaitState(String what, java.util.function.Predicate<List<Map<String, String>>> condition) {
            try {
                await(what, Duration.ofSeconds(60), () -> {
                    List<Map<String, String>> rows = tryServers();
                    return rows != null && condition.test(rows);
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nservers: " + tryServers() + "\nhaproxy log:\n" + log(), e);
            }
        }

        List<Map<String, String>> servers() {
            List<Map<String, String>> rows = tryServers();
            assertThat(rows).as("show stat").isNotNull();
            return rows;
        }

        /**
         * The backend's servers as {@code show stat} reports them on the runtime API (the stats socket): one map per
         * server of the CSV's columns (svname, status, check_status, check_code…); null while it does not answer.
         */
        List<Map<String, String>> tryServers() {
            String csv;
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(statsSocket));
                ch.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
                var bytes = new java.io.ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(8192);
                while (ch.read(buf) > 0) { // haproxy closes after answering one command
                    bytes.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                csv = bytes.toString(StandardCharsets.US_ASCII);
            } catch (IOException e) {
                return null;
            }
            List<String> lines = csv.lines().filter(l -> !l.isBlank()).toList();
            if (lines.isEmpty() || !lines.getFirst().startsWith("# ")) {
                return null;
            }
            String[] header = lines.getFirst().substring(2).split(",", -1);
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split(",", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.length && i < cells.length; i++) {
                    // "* L7OK": a check is running right now; the status is that of the last one that ended
                    row.put(header[i], cells[i].startsWith("* ") ? cells[i].substring(2) : cells[i]);
                }
                String sv = row.getOrDefault("svname", "");
                if (BACKEND.equals(row.get("pxname")) && !sv.equals("BACKEND") && !sv.equals("FRONTEND")) {
                    rows.add(row);
                }
            }
            return rows.isEmpty() ? null : rows;
        }

        String log() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy(); // SIGTERM: haproxy stops at once (hard-stop)
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The server processes; closing stops those still running. */
    private static final class Instances implements AutoCloseable {
        final List<ServerProcess> all = new ArrayList<>();

        void add(ServerProcess p) {
            all.add(p);
        }

        @Override
        public void close() {
            all.forEach(ServerProcess::close);
        }
    }

    // ---- helpers ----

    /**
     * {@code haproxy}, from the PATH or Debian's /usr/sbin (not on every user's PATH); a clear failure, never a
     * skip, when it is not installed.
     */
    static Path haproxyBinary() {
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isBlank()) {
                dirs.add(Path.of(d));
            }
        }
        dirs.addAll(List.of(Path.of("/usr/sbin"), Path.of("/usr/local/sbin")));
        return dirs.stream().map(d -> d.resolve("haproxy")).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("haproxy not found on the PATH (nor in /usr/sbin, /usr/local/sbin):"
                        + " this test runs the recipe deploy/haproxy/haproxy.cfg for real; install it"
                        + " (Debian: apt-get install haproxy)"));
    }

    private static List<String> recipe() throws IOException {
        return Files.readAllLines(RECIPE);
    }

    private static Path locate(String file) {
        for (Path p : List.of(Path.of("..").resolve(file), Path.of(file))) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new AssertionError("no " + file + " next to " + Path.of("").toAbsolutePath());
    }

    /**
     * The index of the one instance whose readiness check counts a stream client (each asked directly, not through
     * the proxy); waits until exactly one does.
     */
    private static int awaitTheInstanceHoldingTheClient(List<Integer> ports) {
        int[] found = {-1};
        await("exactly one instance holds the stream client", Duration.ofSeconds(20), () -> {
            Map<Integer, Long> counts = new HashMap<>();
            for (int i = 0; i < ports.size(); i++) {
                counts.put(i, streamConnections(ports.get(i)));
            }
            List<Integer> holding = counts.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
            found[0] = holding.size() == 1 && counts.get(holding.getFirst()) == 1 ? holding.getFirst() : -1;
            return found[0] >= 0;
        });
        return found[0];
    }

    /** The stream clients an instance reports in its readiness details; 0 when it does not answer (killed). */
    private static long streamConnections(int port) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode check : Json.parse(r.body()).path("checks")) {
                if (check.path("name").asText().equals("stream")) {
                    return check.path("data").path("connections").asLong();
                }
            }
            return 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean isLiveApv(JsonNode n) {
        return "apv".equals(n.path("type").asText()) && !n.path("snapshot").asBoolean(false);
    }

    private static String cve(JsonNode n) {
        return n.path("payload").path("cve_id").asText();
    }
}
