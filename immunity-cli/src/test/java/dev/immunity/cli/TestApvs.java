package dev.immunity.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Patch;

import java.time.Instant;
import java.util.List;

/** Small APV and patch fixtures in the producers' wire format (the server's test fixtures are not on this classpath). */
public final class TestApvs {
    /** A summary holding every kind of terminal attack the dashboard must show escaped. */
    public static final String HOSTILE_SUMMARY = "Pwn\u001b[2J\u001b]52;c;ZXZpbA==\u0007"
            + "\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007\u001b]0;owned\u0007 a\rb\bc \u202egnp.exe\u202c\u2066x\u2069";

    private TestApvs() {
    }

    /** APV JSON as the detection engine publishes it. */
    public static ObjectNode json(String cve, String priority, String service, String summary, double cvss, Instant processedAt) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("cve_id", cve);
        n.putArray("aliases").add("GHSA-xxxx-" + cve.substring(cve.length() - 4));
        n.put("published", "2024-12-17T13:15:16Z");
        n.put("processed_at", processedAt.toString());
        n.put("summary", summary);
        n.put("details", "Details of " + cve + ": an attacker can do bad things to " + service + ".");
        ObjectNode c = n.putObject("cvss");
        c.put("version", "3.1");
        c.put("base_score", cvss);
        c.put("severity", cvss >= 9 ? "CRITICAL" : cvss >= 7 ? "HIGH" : cvss >= 4 ? "MEDIUM" : "LOW");
        c.put("vector_string", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        n.put("priority", priority);
        ObjectNode pkg = n.putArray("affected_packages").addObject();
        pkg.put("ecosystem", "Maven");
        pkg.put("name", "org.example:" + service);
        pkg.putArray("affected_versions").add("1.0.0");
        pkg.putArray("fixed_versions").add("1.0.1");
        n.putArray("ast_grep_patterns");
        n.put("recommended_strategy", "dependency_upgrade");
        n.put("remediation_complexity", "low");
        n.put("source_feed", "OSV.dev");
        n.putArray("affected_services").add(service);
        return n;
    }

    public static Apv apv(String cve, String priority, String service, String summary, double cvss, Instant processedAt) {
        return WireFormat.parseApv(json(cve, priority, service, summary, cvss, processedAt));
    }

    public static Apv apv(String cve, String priority, String service) {
        return apv(cve, priority, service, "Remote code execution in " + service, 9.1, Instant.now());
    }

    /** A bare patch message. */
    public static Patch patch(String cve, String status, Instant at) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("patch_id", "patch-" + cve + "-20251011-143022");
        n.put("cve_id", cve);
        n.put("status", status);
        n.put("strategy_used", "dependency_upgrade");
        n.put("confidence_score", 0.92);
        n.putArray("files_modified").add("pom.xml");
        n.put("pr_url", "https://git.example/acme/pull/42");
        n.put("generated_at", at.toString());
        n.put("updated_at", at.toString());
        return WireFormat.parsePatch(n, at);
    }

    public static List<String> lines(String s) {
        return s.lines().toList();
    }
}
