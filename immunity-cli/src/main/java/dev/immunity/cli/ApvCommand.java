package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity apv CVE-…}: one APV in full. */
@Command(name = "apv", mixinStandardHelpOptions = true, description = "Show one APV in full.")
public final class ApvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Parameters(paramLabel = "CVE", description = "The CVE id, such as CVE-2024-50379.")
    String cve;

    @Mixin
    OutputOption output;

    private final CliContext context;

    public ApvCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        String id = cve.strip().toUpperCase(Locale.ROOT);
        if (!WireFormat.isCveId(id)) {
            throw new ParameterException(spec.commandLine(), "CVE: '" + Sanitizer.escape(cve) + "' is not a CVE id such as CVE-2024-50379");
        }
        JsonNode apv = new ApiClient(context.http(), server.base(), server.token(context))
                .get(ApiClient.API + "/apvs/" + id, Map.of());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Json.write(apv));
        } else {
            detail(apv, 100).forEach(out::println);
        }
        out.flush();
        return 0;
    }

    /** The APV as sanitised {@code FIELD  value} lines; long text wrapped to {@code width} columns. */
    public static List<String> detail(JsonNode a, int width) {
        var lines = new java.util.ArrayList<String>();
        java.util.function.BiConsumer<String, String> field = (k, v) ->
                lines.add(Text.fit(k.toUpperCase(Locale.ROOT), 12) + "  " + Sanitizer.escape(v == null ? "-" : v));
        field.accept("cve", Formats.text(a, "cve_id"));
        field.accept("priority", Formats.text(a, "priority")
                + (a.path("requires_immediate_action").asBoolean() ? " (requires immediate action)" : ""));
        JsonNode cvss = a.path("cvss");
        field.accept("cvss", cvss.isObject() ? Formats.cvss(a) + " " + Formats.text(cvss, "severity") + "  "
                + Formats.text(cvss, "vector_string") : null);
        field.accept("detected", Formats.dateTime(Formats.instant(a, "processed_at")));
        field.accept("published", Formats.dateTime(Formats.instant(a, "published")));
        field.accept("services", String.join(", ", Formats.strings(a, "affected_services")));
        field.accept("aliases", String.join(", ", Formats.strings(a, "aliases")));
        field.accept("strategy", Formats.text(a, "recommended_strategy"));
        field.accept("complexity", Formats.text(a, "remediation_complexity"));
        field.accept("automated", a.path("has_automated_fix").asBoolean() ? "fix available" : "no automated fix");
        field.accept("source", Formats.text(a, "source_feed"));
        for (JsonNode p : a.path("affected_packages")) {
            field.accept("package", Formats.text(p, "ecosystem") + " " + Formats.text(p, "name") + "  affected "
                    + String.join(",", Formats.strings(p, "affected_versions")) + "  fixed "
                    + String.join(",", Formats.strings(p, "fixed_versions")));
        }
        paragraph(lines, "summary", Formats.text(a, "summary"), width);
        paragraph(lines, "details", Formats.text(a, "details"), width);
        paragraph(lines, "notes", Formats.text(a, "remediation_notes"), width);
        return lines;
    }

    private static void paragraph(List<String> lines, String title, String text, int width) {
        lines.add("");
        lines.add(title.toUpperCase(Locale.ROOT));
        if (text == null) {
            lines.add("  -");
            return;
        }
        for (String raw : text.split("\r\n|\n", -1)) {
            lines.addAll(wrap(Sanitizer.escape(raw), Math.max(10, width - 2)).stream().map(l -> "  " + l).toList());
        }
    }

    /** Word-wraps sanitised text to a width in columns. */
    public static List<String> wrap(String text, int width) {
        var out = new java.util.ArrayList<String>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            while (Text.width(word) > width) {
                if (!line.isEmpty()) {
                    out.add(line.toString());
                    line.setLength(0);
                }
                int cut = 0;
                int w = 0;
                while (cut < word.length()) {
                    int cp = word.codePointAt(cut);
                    int cw = Math.max(0, org.jline.utils.WCWidth.wcwidth(cp));
                    if (w + cw > width) {
                        break;
                    }
                    w += cw;
                    cut += Character.charCount(cp);
                }
                out.add(word.substring(0, cut));
                word = word.substring(cut);
            }
            if (!line.isEmpty() && Text.width(line.toString()) + 1 + Text.width(word) > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.add(line.toString());
        return out;
    }
}
