package dev.immunity.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.model.Patch;
import dev.immunity.core.model.PatchDiff;
import dev.immunity.core.store.StoreSettings;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.Fixtures;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.immunity.server.support.Await.await;
import static dev.immunity.server.support.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** A patch's diff is fetched on its own; lists and stream messages announce it without carrying it. */
class PatchDiffApiTest {

    @Test
    void aDemoPatch_isServedWholeWithItsDiff_whileListsAndTheStreamOnlyAnnounceIt() {
        try (TestServer server = new TestServer(ServerSettings.forTests().withDemo(true))) {
            await("a demo patch with a diff", Duration.ofSeconds(30), () ->
                    json(server.get("/api/adaptive-immunity/patches?limit=50")).findValues("diff_lines").stream()
                            .anyMatch(JsonNode::isInt));
            JsonNode listed = null;
            for (JsonNode p : json(server.get("/api/adaptive-immunity/patches?limit=50"))) {
                if (p.path("diff_lines").isInt()) {
                    listed = p;
                    break;
                }
            }
            assertThat(listed.has("diff_content")).isFalse();
            assertThat(listed.path("files_modified").size()).isPositive();

            var r = server.get("/api/adaptive-immunity/patches/" + listed.path("patch_id").asText());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode whole = json(r);
            String diff = whole.path("diff_content").asText();
            assertThat(diff).containsPattern("(?m)^--- (a/|/dev/null$)").contains("+++ b/").containsPattern("(?m)^@@ -\\d+,\\d+ \\+\\d+,\\d+ @@$")
                    .containsPattern("(?m)^\\+").contains(listed.path("files_modified").get(0).asText());
            assertThat(whole.path("diff_truncated").asBoolean()).isFalse();
            assertThat(whole.path("diff_lines").asInt()).isEqualTo(PatchDiff.lines(diff));
            assertThat(whole.path("diff_bytes").asInt()).isEqualTo(diff.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);

            try (WsTestClient ws = server.connect()) {
                JsonNode patchMessage = ws.next("patch");
                assertThat(patchMessage.path("payload").has("diff_content")).isFalse();
                assertThat(patchMessage.path("payload").has("diff_lines")).isTrue();
            }
        }
    }

    @Test
    void aDiffOverTheSizeKept_isCutAndFlagged_andUnknownPatchesAre404() {
        StoreSettings small = new StoreSettings(1000, 1000, 64L * 1024 * 1024, 4096);
        try (TestServer server = new TestServer(ServerSettings.forTests().withStore(small))) {
            StringBuilder big = new StringBuilder("--- a/pom.xml\n+++ b/pom.xml\n@@ -1,2000 +1,2000 @@\n");
            for (int i = 0; i < 2000; i++) {
                big.append("-<version>1.").append(i).append("</version>\n+<version>2.").append(i).append("</version>\n");
            }
            server.server.stream().publish(Fixtures.apv("CVE-2025-4242", "high", List.of("payments-api")));
            Patch p = Fixtures.patch("CVE-2025-4242", "pending");
            server.server.stream().publish(p.withDiff(PatchDiff.of(big.toString())));

            JsonNode whole = json(server.get("/api/adaptive-immunity/patches/" + p.patchId()));
            assertThat(whole.path("diff_truncated").asBoolean()).isTrue();
            assertThat(whole.path("diff_bytes").asInt()).isEqualTo(big.length());
            assertThat(whole.path("diff_lines").asInt()).isEqualTo(4003);
            String kept = whole.path("diff_content").asText();
            assertThat(kept.length()).isLessThanOrEqualTo(4096);
            assertThat(big.toString()).startsWith(kept);
            assertThat(kept).endsWith("\n");

            var missing = server.get("/api/adaptive-immunity/patches/patch-CVE-2025-0000-20250101-000000");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(json(missing).path("error").asText()).contains("no patch");
        }
    }
}
