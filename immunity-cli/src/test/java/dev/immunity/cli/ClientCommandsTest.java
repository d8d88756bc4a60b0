package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.server.ImmunityServer;
import dev.immunity.server.config.ServerSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every client command through the real command line against a real in-process server: exit codes and
 * output, bad arguments (exit 2) and an unreachable server (exit 1, one line).
 */
class ClientCommandsTest {
    private static ImmunityServer server;
    private static String url;
    private static final Instant T0 = Instant.parse("2025-10-11T14:30:22Z");

    private StringWriter out;
    private StringWriter err;
    private CommandLine cli;

    @BeforeAll
    static void startServer() {
        server = ImmunityServer.start(ServerSettings.forTests());
        url = "http://127.0.0.1:" + server.port();
        server.stream().publish(TestApvs.apv("CVE-2024-50379", "high", "inventory-service",
                "Apache Tomcat TOCTOU race condition leads to remote code execution", 8.1, T0));
        server.stream().publish(TestApvs.apv("CVE-2024-38816", "critical", "payments",
                "Spring Framework path traversal " + TestApvs.HOSTILE_SUMMARY, 9.8, T0.plusSeconds(60)));
        server.stream().publish(TestApvs.patch("CVE-2024-38816", "validating", T0.plusSeconds(120)));
        server.stream().publish(TestApvs.patch("CVE-2024-50379", "applied", T0.plusSeconds(180))
                .withDiff(dev.immunity.core.model.PatchDiff.of(DIFF)));
    }

    /** A unified diff with a tab (kept) and hostile escapes (shown escaped). */
    private static final String DIFF = "diff --git a/go.mod b/go.mod\n--- a/go.mod\n+++ b/go.mod\n@@ -5,3 +5,3 @@\n"
            + " require (\n-\tgithub.com/apache/tomcat v9.0.97\n+\tgithub.com/apache/tomcat v9.0.98\n"
            + "+// \u001b]52;c;ZXZpbA==\u0007\u001b[2J\n";

    @Test
    void sla_listsOpenApvsByDeadline_andFailOnGatesOnThem() throws Exception {
        // A server whose SLAs make the fixtures (detected in 2025) long breached, and one where they are within.
        assertThat(run("sla", "--server", url)).isZero();
        var lines = TestApvs.lines(out.toString());
        assertThat(lines.get(0)).matches("DEADLINE +DUE +STATE +PRIORITY +CVE +OWNER +SERVICES");
        assertThat(lines.get(1)).contains("overdue", "breached", "critical", "CVE-2024-38816", "payments");
        assertThat(lines.get(2)).contains("breached", "high", "CVE-2024-50379", "inventory-service");

        newCli();
        assertThat(run("sla", "--server", url, "--priority", "critical", "-o", "json")).isZero();
        var json = Json.parse(out.toString());
        assertThat(json).hasSize(1);
        assertThat(json.get(0).path("state").asText()).isEqualTo("breached");

        newCli();
        assertThat(run("sla", "--server", url, "--fail-on", "breached", "--state", "within")).isEqualTo(SlaCommand.FAILED_GATE);
        assertThat(err.toString()).containsPattern("immunity: \\d+ APV\\(s\\) past their SLA");
        newCli();
        assertThat(run("sla", "--server", url, "--fail-on", "at_risk", "--service", "nothing-here")).isZero();
        newCli();
        assertThat(run("sla", "--server", url, "--fail-on", "within")).isEqualTo(2);
    }

    @Test
    void patch_diff_printsTheRawUnifiedDiff_withTabsKeptAndEscapesShownEscaped() {
        String id = TestApvs.patch("CVE-2024-50379", "applied", T0.plusSeconds(180)).patchId();
        assertThat(run("patch", id, "--diff", "--server", url)).isZero();
        assertThat(out.toString()).isEqualTo("diff --git a/go.mod b/go.mod\n--- a/go.mod\n+++ b/go.mod\n@@ -5,3 +5,3 @@\n"
                + " require (\n-\tgithub.com/apache/tomcat v9.0.97\n+\tgithub.com/apache/tomcat v9.0.98\n"
                + "+// \\e]52;c;ZXZpbA==\\x07\\e[2J\n");
        assertThat(out.toString()).doesNotContain("\u001b");
    }

    @Test
    void patch_showsThePatchWithItsDiff_asTextOrJson_andAPatchWithoutOneSaysSo() throws Exception {
        String id = TestApvs.patch("CVE-2024-50379", "applied", T0.plusSeconds(180)).patchId();
        assertThat(run("patch", id, "--server", url)).isZero();
        assertThat(out.toString()).contains("PATCH         " + id, "STATUS        applied", "DIFF  8 lines",
                "+\tgithub.com/apache/tomcat v9.0.98").doesNotContain("\u001b");

        out.getBuffer().setLength(0);
        assertThat(run("patch", id, "-o", "json", "--server", url)).isZero();
        assertThat(dev.immunity.core.json.Json.parse(out.toString()).path("diff_content").asText()).isEqualTo(DIFF);

        String without = TestApvs.patch("CVE-2024-38816", "validating", T0.plusSeconds(120)).patchId();
        assertThat(run("patch", without, "--diff", "--server", url)).isEqualTo(1);
        assertThat(err.toString()).contains("has no diff");
        assertThat(run("patch", "patch-CVE-2000-0001-20000101-000000", "--server", url)).isEqualTo(1);
        assertThat(err.toString()).contains("no patch");
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void newCli() {
        out = new StringWriter();
        err = new StringWriter();
        cli = ImmunityCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                CliContext.system().withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    private int run(String... args) {
        return cli.execute(args);
    }

    @Test
    void help_listsEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("serve", "watch", "trigger", "apvs", "apv ", "patches", "metrics", "completion");
    }

    @Test
    void apvs_printsABorderlessTableWithUpperCaseHeaders_newestFirst_withHostileTextEscaped() {
        assertThat(run("apvs", "--server", url)).isZero();
        var lines = TestApvs.lines(out.toString());
        assertThat(lines.get(0)).matches("DETECTED +CVE +PRIORITY +CVSS +SERVICES +SUMMARY");
        int spring = indexOf(lines, "2025-10-11 14:31:22  CVE-2024-38816  critical  9.8   payments");
        int tomcat = indexOf(lines, "2025-10-11 14:30:22  CVE-2024-50379  high      8.1   inventory-service");
        assertThat(spring).isPositive().isLessThan(tomcat);
        assertThat(lines.get(spring)).contains("Spring Framework path traversal Pwn\\e[2J\\e]52;c;ZXZpbA==\\x07");
        assertThat(out.toString()).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\u202e");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void apvs_filtersByPriority_andPrintsJsonForMachines() {
        assertThat(run("apvs", "--server", url, "--priority", "critical", "-o", "json")).isZero();
        JsonNode apvs = Json.parse(out.toString());
        assertThat(apvs.isArray()).isTrue();
        assertThat(apvs).hasSize(1);
        assertThat(apvs.get(0).path("cve_id").asText()).isEqualTo("CVE-2024-38816");
    }

    @Test
    void apv_showsOneApvInFull() {
        assertThat(run("apv", "--server", url, "cve-2024-50379")).isZero();
        assertThat(out.toString()).contains("CVE           CVE-2024-50379", "PRIORITY      high",
                "SERVICES      inventory-service", "SUMMARY", "  Apache Tomcat TOCTOU race condition");
    }

    @Test
    void apv_json() {
        assertThat(run("apv", "--server", url, "CVE-2024-38816", "-o", "json")).isZero();
        assertThat(Json.parse(out.toString()).path("summary").asText()).isEqualTo("Spring Framework path traversal " + TestApvs.HOSTILE_SUMMARY);
    }

    @Test
    void apv_unknown_exits1WithTheServersMessage() {
        assertThat(run("apv", "--server", url, "CVE-2099-0001")).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("immunity: no APV with cve_id CVE-2099-0001");
    }

    @Test
    void apv_withSomethingThatIsNotACveId_exits2() {
        assertThat(run("apv", "--server", url, "log4shell")).isEqualTo(2);
        assertThat(err.toString()).contains("'log4shell' is not a CVE id", "Usage:");
    }

    @Test
    void patches_tableAndJson() {
        assertThat(run("patches", "--server", url)).isZero();
        var lines = TestApvs.lines(out.toString());
        assertThat(lines.get(0)).matches("UPDATED +STATUS +STRATEGY +CVE +CONFIDENCE +PR");
        assertThat(lines.get(2)).isEqualTo("2025-10-11 14:32:22  validating  dependency_upgrade  CVE-2024-38816  0.92        https://git.example/acme/pull/42");

        newCli();
        assertThat(run("patches", "--server", url, "--status", "merged", "-o", "json")).isZero();
        assertThat(Json.parse(out.toString())).isEmpty();
    }

    @Test
    void patches_withAnUnknownStatus_exits2() {
        assertThat(run("patches", "--server", url, "--status", "done")).isEqualTo(2);
        assertThat(err.toString()).contains("--status", "Invalid value");
    }

    @Test
    void metrics_tableAndJson() {
        assertThat(run("metrics", "--server", url)).isZero();
        var lines = TestApvs.lines(out.toString());
        assertThat(lines.get(0)).matches("PRIORITY +DETECTED +MTTR-MEAN +MTTR-P50 +MTTR-P90 +REMEDIATED +SUCCESS");
        assertThat(lines.get(1)).matches("all +\\d+ +- +- +- +0 +-");
        assertThat(out.toString()).contains("critical", "low", "APVS/HOUR", "MTTR-BASIS");

        newCli();
        assertThat(run("metrics", "--server", url, "-o", "json")).isZero();
        assertThat(Json.parse(out.toString()).has("apvs_detected")).isTrue();
    }

    @Test
    void trigger_sendsTestApvsThatTheServerStores_andPrintsWhatItSent() {
        assertThat(run("trigger", "--server", url, "--cve", "CVE-2025-TRIG", "--count", "3", "--rate", "50/s",
                "--priority", "critical", "--service", "checkout")).isZero();
        var lines = TestApvs.lines(out.toString());
        assertThat(lines.get(0)).matches("STATUS +CVE +PRIORITY +PATCH +CURSOR +SERVICES");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).startsWith("accepted   CVE-2025-TRIG-1       critical  -          ").endsWith("checkout");
        assertThat(server.store().apv("CVE-2025-TRIG-3")).hasValueSatisfying(a -> {
            assertThat(a.priority().wire()).isEqualTo("critical");
            assertThat(a.affectedServices()).containsExactly("checkout");
        });
    }

    @Test
    void trigger_withPatchAndJson_printsTheServersAnswer() {
        assertThat(run("trigger", "--server", url, "--cve", "CVE-2025-PATCH", "--with-patch", "-o", "json")).isZero();
        JsonNode answer = Json.parse(out.toString().strip());
        assertThat(answer.path("status").asText()).isEqualTo("accepted");
        assertThat(answer.path("simulate_patch").asBoolean()).isTrue();
    }

    @Test
    void trigger_file_sendsARealApv(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("apv.json");
        Files.writeString(f, Json.write(TestApvs.json("CVE-2025-FILE", "low", "search", "A file-borne advisory summary", 3.1, T0)));
        assertThat(run("trigger", "--server", url, "--file", f.toString())).isZero();
        assertThat(out.toString()).contains("CVE-2025-FILE", "low", "search");
        assertThat(server.store().apv("CVE-2025-FILE")).hasValueSatisfying(a -> assertThat(a.summary()).isEqualTo("A file-borne advisory summary"));
    }

    @Test
    void trigger_badArguments_exit2() {
        assertThat(run("trigger", "--server", url, "--rate", "fast")).isEqualTo(2);
        assertThat(err.toString()).contains("--rate: 'fast' is not a positive rate");
        newCli();
        assertThat(run("trigger", "--server", url, "--count", "0")).isEqualTo(2);
        newCli();
        assertThat(run("trigger", "--server", url, "--cve", "nope")).isEqualTo(2);
        newCli();
        assertThat(run("trigger", "--server", url, "--priority", "urgent")).isEqualTo(2);
        assertThat(err.toString()).contains("critical, high, medium, low");
    }

    @Test
    void trigger_unreadableFile_exits1WithOneLine() {
        assertThat(run("trigger", "--server", url, "--file", "/nonexistent/apv.json")).isEqualTo(1);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("--file: cannot read /nonexistent/apv.json");
    }

    @Test
    void aServerUrlThatIsNotAUrl_exits2() {
        assertThat(run("apvs", "--server", "localhost 8001")).isEqualTo(2);
        assertThat(err.toString()).contains("--server: 'localhost 8001' is not an http(s) URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"apvs", "apv CVE-2024-50379", "patches", "metrics", "trigger", "watch -o ndjson", "watch -o tui"})
    void anUnreachableServer_exits1WithOneActionableLine(String command) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + port;
        var args = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
        args.add("--server");
        args.add(dead);
        assertThat(run(args.toArray(String[]::new))).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("immunity: cannot reach " + dead
                + ": is the server running? set --server or IMMUNITY_SERVER");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void watchNdjson_printsOneEnvelopePerLine_thenExitsAfterCount() throws Exception {
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> run("watch", "--server", url, "-o", "ndjson", "--count", "2"));
        awaitOutput("\"type\":\"hello\"");
        server.stream().publish(TestApvs.apv("CVE-2025-0101", "medium", "search"));
        server.stream().publish(TestApvs.patch("CVE-2025-0101", "pending", Instant.now()));
        assertThat(code.get(20, TimeUnit.SECONDS)).isZero();
        var lines = TestApvs.lines(out.toString());
        for (String l : lines) {
            assertThat(Json.parse(l).has("type")).isTrue();
        }
        assertThat(Json.parse(lines.get(0)).path("type").asText()).isEqualTo("hello");
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"snapshot\":true", "CVE-2024-50379"));
        assertThat(lines.get(lines.size() - 1)).startsWith("{\"type\":\"patch\"").contains("CVE-2025-0101");
    }

    @Test
    void watch_badArguments_exit2() {
        assertThat(run("watch", "--server", url, "-o", "html")).isEqualTo(2);
        newCli();
        assertThat(run("watch", "--server", url, "-o", "tui", "--count", "3")).isEqualTo(2);
        assertThat(err.toString()).contains("--count: only with -o ndjson");
    }

    @Test
    void completion_printsABashScript() {
        assertThat(run("completion")).isZero();
        assertThat(out.toString()).contains("complete -F", "immunity", "watch", "trigger");
    }

    private static int indexOf(java.util.List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private void awaitOutput(String needle) {
        org.awaitility.Awaitility.await("output with " + needle).atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(20)).until(() -> out.toString().contains(needle));
    }
}
