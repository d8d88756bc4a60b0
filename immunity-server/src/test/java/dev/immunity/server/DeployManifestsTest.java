package dev.immunity.server;

import dev.immunity.server.config.ConfigKeys;
import dev.immunity.server.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The deployment recipes in {@code deploy/} hold together: every Kubernetes manifest parses and names itself,
 * the Deployment's probes and ports match the server and the Service, the PodDisruptionBudget and the Service
 * select the Deployment's pods, every environment variable set is a real configuration key (so a renamed key
 * cannot leave a recipe silently ignored), the HAProxy recipe checks readiness over HTTP/1.1 and keeps
 * WebSockets open, and the systemd unit runs {@code serve} and leaves the graceful shutdown time to finish.
 * {@link HaproxyRecipeTest} runs the HAProxy recipe for real.
 */
class DeployManifestsTest {
    private static final Path DEPLOY = locateDeploy();
    private static final Path KUBERNETES = DEPLOY.resolve("kubernetes");

    /** Environment variables the server reads besides the keys' own (ServerConfig.load reads IMMUNITY_CONFIG). */
    private static final Set<String> SERVER_EXTRAS = Set.of("IMMUNITY_CONFIG");
    /** Read by the launcher, bin/immunity, not by the server: only where the launcher's environment is set. */
    private static final Set<String> LAUNCHER = Set.of("IMMUNITY_JAVA_OPTS", "JAVA_HOME");

    /** One YAML document of one file. */
    private record Doc(Path file, Map<String, Object> body) {
        String kind() {
            return str(body, "kind");
        }

        String name() {
            return str(map(body, "metadata"), "name");
        }

        @Override
        public String toString() {
            return file.getFileName() + " (" + kind() + " " + name() + ")";
        }
    }

    /** Surefire runs in immunity-server/; an IDE may run from the repository root. */
    private static Path locateDeploy() {
        for (Path p : List.of(Path.of("..", "deploy"), Path.of("deploy"))) {
            if (Files.isDirectory(p.resolve("kubernetes"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new AssertionError("no deploy/kubernetes next to " + Path.of("").toAbsolutePath());
    }

    /** Every document of every YAML file under deploy/kubernetes (several per file are allowed, "---"). */
    private static List<Doc> kubernetesDocs() {
        List<Path> files;
        try (Stream<Path> s = Files.list(KUBERNETES)) {
            files = s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Doc> docs = new ArrayList<>();
        for (Path f : files) {
            try (Reader r = Files.newBufferedReader(f)) {
                for (Object o : new Yaml().loadAll(r)) {
                    if (o == null) {
                        continue; // an empty document, such as after a trailing "---"
                    }
                    assertThat(o).as(f + ": a document must be a mapping").isInstanceOf(Map.class);
                    docs.add(new Doc(f, cast(o)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (org.yaml.snakeyaml.error.YAMLException e) {
                throw new AssertionError(f + " is not valid YAML: " + e.getMessage(), e);
            }
        }
        return docs;
    }

    private static Doc only(List<Doc> docs, String kind) {
        List<Doc> of = docs.stream().filter(d -> kind.equals(d.kind())).toList();
        assertThat(of).as("exactly one " + kind + " in " + KUBERNETES).hasSize(1);
        return of.getFirst();
    }

    @Test
    void everyManifestParses_andHasApiVersionKindAndName() {
        for (String f : List.of("deployment.yaml", "service.yaml", "pdb.yaml", "configmap.yaml", "secret.example.yaml")) {
            assertThat(KUBERNETES.resolve(f)).as("deploy/kubernetes/" + f).isRegularFile();
        }
        List<Doc> docs = kubernetesDocs();
        for (Doc d : docs) {
            assertThat(str(d.body(), "apiVersion")).as(d.file() + ": apiVersion").isNotBlank();
            assertThat(d.kind()).as(d.file() + ": kind").isNotBlank();
            assertThat(d.name()).as(d.file() + ": metadata.name").isNotBlank();
        }
        assertThat(docs.stream().map(Doc::kind).toList())
                .contains("Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Secret");
        assertThat(str(only(docs, "Deployment").body(), "apiVersion")).isEqualTo("apps/v1");
        assertThat(str(only(docs, "PodDisruptionBudget").body(), "apiVersion")).isEqualTo("policy/v1");
    }

    @Test
    void theDeploymentsProbesPointAtHealth_itsPortIsTheServicesTarget_andTheImageIsThePlaceholder() {
        List<Doc> docs = kubernetesDocs();
        Doc deployment = only(docs, "Deployment");
        Map<String, Object> container = container(deployment);
        assertThat(str(container, "image")).isEqualTo("ghcr.io/example/immunity:VERSION");

        assertThat(probePath(container, "readinessProbe")).as("readinessProbe path").isEqualTo("/observe/health/ready");
        assertThat(probePath(container, "livenessProbe")).as("livenessProbe path").isEqualTo("/observe/health/live");
        // The startup probe gates liveness only; readiness already keeps a rebuilding pod out of the Service.
        assertThat(probePath(container, "startupProbe")).as("startupProbe path").isEqualTo("/observe/health/live");
        Map<String, Object> startup = map(container, "startupProbe");
        long startupBudget = num(startup, "periodSeconds", 10) * num(startup, "failureThreshold", 3);
        assertThat(startupBudget).as("seconds the startup probe allows (a cold JVM, a large Kafka rebuild)")
                .isGreaterThanOrEqualTo(300);

        // Every probe targets the container's port, by name or number, and says Host: localhost (answered
        // even when IMMUNITY_HTTP_ALLOWED_HOSTS is set).
        int port = containerPort(container, "http");
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            Map<String, Object> get = map(map(container, probe), "httpGet");
            assertThat(resolvePort(container, get.get("port"))).as(probe + " port").isEqualTo(port);
            assertThat(list(get, "httpHeaders")).as(probe + " headers")
                    .contains(Map.of("name", "Host", "value", "localhost"));
        }
        // The port the server listens on: IMMUNITY_PORT from the ConfigMap, else the key's default.
        String serverPort = env(docs).getOrDefault("IMMUNITY_PORT", ConfigKeys.ALL.get("immunity.port").defaultValue());
        assertThat(port).as("containerPort = the server's port").isEqualTo(Integer.parseInt(serverPort));

        Doc service = only(docs, "Service");
        List<Object> ports = list(map(service.body(), "spec"), "ports");
        assertThat(ports).isNotEmpty();
        for (Object p : ports) {
            Object target = cast(p).get("targetPort");
            assertThat(resolvePort(container, target)).as("Service targetPort " + target).isEqualTo(port);
        }
    }

    @Test
    void thePodDisruptionBudgetAndTheServiceSelectTheDeploymentsPods() {
        List<Doc> docs = kubernetesDocs();
        Map<String, Object> spec = map(only(docs, "Deployment").body(), "spec");
        Map<String, Object> podLabels = map(map(map(spec, "template"), "metadata"), "labels");
        Map<String, Object> deploymentSelector = map(map(spec, "selector"), "matchLabels");
        assertThat(podLabels).as("the pod template's labels match the Deployment's own selector")
                .containsAllEntriesOf(deploymentSelector);

        Map<String, Object> pdbSelector = map(map(map(only(docs, "PodDisruptionBudget").body(), "spec"), "selector"),
                "matchLabels");
        assertThat(pdbSelector).as("PDB selector").isNotEmpty();
        assertThat(podLabels).as("the pods the PDB protects").containsAllEntriesOf(pdbSelector);

        Map<String, Object> serviceSelector = map(map(only(docs, "Service").body(), "spec"), "selector");
        assertThat(serviceSelector).as("Service selector").isNotEmpty();
        assertThat(podLabels).as("the pods the Service routes to").containsAllEntriesOf(serviceSelector);
    }

    @Test
    void everyEnvironmentVariableTheManifestsSet_isARealConfigurationKey() {
        List<Doc> docs = kubernetesDocs();
        Map<String, Object> container = container(only(docs, "Deployment"));

        // envFrom names exactly the ConfigMap and the Secret shipped here (or the pod would not start).
        Set<String> referenced = new TreeSet<>();
        for (Object o : list(container, "envFrom")) {
            Map<String, Object> from = cast(o);
            if (from.containsKey("configMapRef")) {
                referenced.add("ConfigMap/" + str(map(from, "configMapRef"), "name"));
            }
            if (from.containsKey("secretRef")) {
                referenced.add("Secret/" + str(map(from, "secretRef"), "name"));
            }
        }
        Set<String> shipped = new TreeSet<>();
        docs.stream().filter(d -> d.kind().equals("ConfigMap") || d.kind().equals("Secret"))
                .forEach(d -> shipped.add(d.kind() + "/" + d.name()));
        assertThat(referenced).as("envFrom of the container").isEqualTo(shipped);

        Map<String, String> env = env(docs);
        assertThat(env).as("variables the manifests set").isNotEmpty();
        assertThat(new TreeSet<>(env.keySet())).as("variables that are not configuration keys "
                        + "(IMMUNITY_ + the key in upper case, . and - as _; README, Configuration)")
                .isSubsetOf(validServerEnv());
    }

    @Test
    void theSystemdEnvironmentFile_namesOnlyRealKeys_commentedOnesIncluded() throws IOException {
        Pattern assignment = Pattern.compile("^#?\\s*([A-Z][A-Z0-9_]*)=");
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(DEPLOY.resolve("systemd/immunity.env"))) {
            Matcher m = assignment.matcher(line);
            if (m.find()) {
                names.add(m.group(1));
            }
        }
        assertThat(names).contains("IMMUNITY_HOST", "IMMUNITY_PORT");
        Set<String> valid = new TreeSet<>(validServerEnv());
        valid.addAll(LAUNCHER); // systemd starts the launcher, which reads these
        assertThat(names).as("variables in immunity.env that nothing reads").isSubsetOf(valid);
    }

    @Test
    void theHaproxyRecipe_checksReadinessOverHttp11_andKeepsWebSocketsOpen() throws IOException {
        // Only lines in effect count: a commented-out line must not satisfy the check.
        List<String> lines = Files.readAllLines(DEPLOY.resolve("haproxy/haproxy.cfg")).stream()
                .map(l -> l.replaceFirst("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
        assertThat(lines).contains("balance leastconn", "option httpchk", "option forwardfor",
                "http-check expect status 200");
        assertThat(lines).as("an http-check send of GET /observe/health/ready, ver HTTP/1.1, with a Host header "
                        + "(HAProxy's default check is HTTP/1.0, which Helidon does not answer)")
                .anyMatch(l -> l.startsWith("http-check send ") && l.contains(" ver HTTP/1.1")
                        && l.contains(" uri /observe/health/ready") && l.contains(" hdr Host "));
        for (String timeout : List.of("tunnel", "http-request", "client", "server")) {
            assertThat(lines).as("timeout " + timeout).anyMatch(l -> l.startsWith("timeout " + timeout + " "));
        }
        assertThat(lines).as("default-server inter 2s fall 2 rise 2").anyMatch(l -> l.startsWith("default-server ")
                && l.matches(".*\\binter 2s\\b.*") && l.contains(" fall 2") && l.contains(" rise 2"));
        assertThat(lines.stream().filter(l -> l.startsWith("server ")).toList()).as("server lines")
                .isNotEmpty().allMatch(l -> l.matches("server \\S+ \\S+:\\d+ .*\\bcheck\\b.*"));
    }

    @Test
    void theSystemdUnit_runsServe_andLeavesTheGracefulShutdownTimeToFinish() throws IOException {
        Map<String, String> unit = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DEPLOY.resolve("systemd/immunity.service"))) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (!l.startsWith("#") && !l.startsWith("[") && eq > 0) {
                unit.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        assertThat(unit.get("ExecStart")).as("ExecStart=").isNotNull().matches("/\\S*/bin/immunity serve( .*)?");
        assertThat(unit).containsEntry("Restart", "on-failure").containsEntry("KillSignal", "SIGTERM")
                .containsEntry("NoNewPrivileges", "yes").containsEntry("ProtectSystem", "strict")
                .containsKey("EnvironmentFile");
        Duration stop = ServerConfig.parseDuration(unit.get("TimeoutStopSec"));
        assertThat(stop).as("TimeoutStopSec: more than the server's drain and close window")
                .isGreaterThan(gracefulShutdown(Map.of()));
    }

    @Test
    void theKubernetesGracePeriod_coversThePreStopSleep_andTheServersGracefulShutdown() {
        List<Doc> docs = kubernetesDocs();
        Map<String, Object> podSpec = map(map(map(only(docs, "Deployment").body(), "spec"), "template"), "spec");
        Map<String, Object> preStop = map(map(container(only(docs, "Deployment")), "lifecycle"), "preStop");
        long sleep = preStop.containsKey("sleep") ? num(map(preStop, "sleep"), "seconds", 0) : 0;
        assertThat(sleep).as("preStop sleep: time for the endpoint removal to reach every proxy").isPositive();
        Duration needed = Duration.ofSeconds(sleep).plus(gracefulShutdown(env(docs)));
        assertThat(Duration.ofSeconds(num(podSpec, "terminationGracePeriodSeconds", 30)))
                .as("terminationGracePeriodSeconds vs preStop + drain delay + close window").isGreaterThan(needed);
    }

    // ---- helpers ----

    /** Every environment variable name the server reads: one per configuration key, and IMMUNITY_CONFIG. */
    private static Set<String> validServerEnv() {
        Set<String> valid = new TreeSet<>(SERVER_EXTRAS);
        ConfigKeys.ALL.values().forEach(k -> valid.add(k.env()));
        return valid;
    }

    /**
     * What the server spends on a SIGTERM before it stops: immunity.shutdown.drain-delay plus
     * immunity.shutdown.close-window, as set in {@code env} or by default.
     */
    private static Duration gracefulShutdown(Map<String, String> env) {
        Duration total = Duration.ZERO;
        for (String key : List.of("immunity.shutdown.drain-delay", "immunity.shutdown.close-window")) {
            ConfigKeys.Key k = ConfigKeys.ALL.get(key);
            assertThat(k).as("configuration key " + key + " (the deploy recipes rely on it)").isNotNull();
            String v = env.getOrDefault(k.env(), k.defaultValue());
            if (v != null && !v.strip().matches("0+(ms|s)?")) {
                total = total.plus(ServerConfig.parseDuration(v));
            }
        }
        return total;
    }

    /**
     * Every variable the Deployment's container gets: its env entries, and the data of the ConfigMaps and
     * Secrets shipped here (it takes them whole with envFrom). Values must be strings, as Kubernetes requires.
     */
    private static Map<String, String> env(List<Doc> docs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Doc d : docs) {
            List<String> sections = switch (d.kind()) {
                case "ConfigMap" -> List.of("data");
                case "Secret" -> List.of("stringData", "data");
                default -> List.of();
            };
            for (String section : sections) {
                if (d.body().get(section) == null) {
                    continue;
                }
                map(d.body(), section).forEach((k, v) -> {
                    assertThat(v).as(d + ": " + section + "." + k + " must be a string (quote it)").isInstanceOf(String.class);
                    env.put(k, (String) v);
                });
            }
        }
        Map<String, Object> container = container(only(docs, "Deployment"));
        if (container.get("env") != null) {
            for (Object o : list(container, "env")) {
                Map<String, Object> e = cast(o);
                Object v = e.get("value");
                assertThat(v == null || v instanceof String).as("env " + e.get("name") + " must be a string").isTrue();
                env.put(str(e, "name"), v == null ? "" : (String) v);
            }
        }
        return env;
    }

    private static Map<String, Object> container(Doc deployment) {
        List<Object> containers = list(map(map(map(deployment.body(), "spec"), "template"), "spec"), "containers");
        return containers.stream().map(DeployManifestsTest::cast)
                .filter(c -> "immunity".equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError(deployment + ": no container named immunity"));
    }

    private static String probePath(Map<String, Object> container, String probe) {
        assertThat(container).as(probe).containsKey(probe);
        return str(map(map(container, probe), "httpGet"), "path");
    }

    private static int containerPort(Map<String, Object> container, String name) {
        return list(container, "ports").stream().map(DeployManifestsTest::cast)
                .filter(p -> name.equals(p.get("name"))).map(p -> ((Number) p.get("containerPort")).intValue())
                .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    /** A port given by name (a container port's name) or by number. */
    private static int resolvePort(Map<String, Object> container, Object port) {
        if (port instanceof Number n) {
            return n.intValue();
        }
        assertThat(port).as("port").isInstanceOf(String.class);
        return containerPort(container, (String) port);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            fail("expected a mapping at '" + key + "' in " + m.keySet() + ", got " + v);
        }
        return cast(v);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            fail("expected a list at '" + key + "' in " + m.keySet() + ", got " + v);
        }
        return (List<Object>) v;
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : v.toString();
    }

    private static long num(Map<String, Object> m, String key, long dflt) {
        Object v = m.get(key);
        return v instanceof Number n ? n.longValue() : dflt;
    }
}
