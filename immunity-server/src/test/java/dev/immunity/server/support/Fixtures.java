package dev.immunity.server.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;

import java.time.Instant;
import java.util.List;

/** Events in the producers' wire format, for server tests. */
public final class Fixtures {
    private Fixtures() {
    }

    /** An APV message as the detection engine publishes it (naive timestamps, as Python writes them). */
    public static ObjectNode apvJson(String cveId, String priority, List<String> services) {
        ObjectNode n = Json.mapper().createObjectNode();
        String now = Instant.now().toString().replace("Z", "");
        n.put("cve_id", cveId);
        n.putArray("aliases");
        n.put("published", now);
        n.put("modified", now);
        n.put("processed_at", now);
        n.put("summary", "Remote code execution in example-lib " + cveId);
        n.put("details", "A crafted payload lets an attacker execute code on the server. Upgrade to 2.0.1.");
        ObjectNode cvss = n.putObject("cvss");
        cvss.put("version", "3.1");
        cvss.put("base_score", 9.8);
        cvss.put("severity", "CRITICAL");
        cvss.put("vector_string", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        n.put("priority", priority);
        ObjectNode pkg = n.putArray("affected_packages").addObject();
        pkg.put("ecosystem", "PyPI");
        pkg.put("name", "example-lib");
        pkg.putArray("affected_versions").add("2.0.0");
        pkg.putArray("fixed_versions").add("2.0.1");
        pkg.put("has_fix", true);
        n.putArray("ast_grep_patterns");
        n.put("recommended_strategy", "dependency_upgrade");
        n.put("remediation_complexity", "low");
        n.putNull("remediation_notes");
        ObjectNode ctx = n.putObject("maximus_context");
        var arr = ctx.putArray("affected_services");
        services.forEach(arr::add);
        ctx.put("exploit_available", false);
        n.put("source_feed", "OSV.dev");
        n.put("oraculo_version", "1.0.0");
        n.put("_published_at", now);
        n.put("_publisher", "maximus_oraculo");
        return n;
    }

    public static Apv apv(String cveId, String priority, List<String> services) {
        return WireFormat.parseApv(apvJson(cveId, priority, services));
    }

    public static Apv apv(String cveId) {
        return apv(cveId, "high", List.of("payments-api"));
    }

    /** A bare patch message with a status. */
    public static Patch patch(String cveId, String status) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("patch_id", "patch-" + cveId + "-20261125-101500");
        n.put("cve_id", cveId);
        n.put("strategy_used", "dependency_upgrade");
        n.put("diff_content", "--- a/requirements.txt\n+++ b/requirements.txt\n");
        n.putArray("files_modified").add("requirements.txt");
        n.put("confidence_score", 0.93);
        n.put("generated_at", Instant.now().toString());
        n.put("validation_passed", true);
        n.put("status", status);
        n.put("pr_url", "https://github.com/example-org/payments-api/pull/42");
        return WireFormat.parsePatch(n, Instant.now());
    }
}
