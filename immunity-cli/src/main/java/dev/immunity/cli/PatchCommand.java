package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity patch PATCH_ID}: one patch in full, with its diff. */
@Command(name = "patch", mixinStandardHelpOptions = true,
        description = "Show one patch in full: its validation, tests, PR and unified diff.")
public final class PatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Parameters(paramLabel = "PATCH_ID", description = "The patch id, such as patch-CVE-2024-50379-20250101-120000.")
    String patchId;

    @Mixin
    OutputOption output;

    @Option(names = "--diff", description = "Print only the unified diff (control characters escaped, tabs kept), "
            + "for a pager or a diff viewer: immunity patch ID --diff | delta")
    boolean diffOnly;

    private final CliContext context;

    public PatchCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        String id = patchId.strip();
        if (id.isEmpty() || id.length() > 200) {
            throw new ParameterException(spec.commandLine(), "PATCH_ID: must be 1 to 200 characters");
        }
        JsonNode patch = fetch(new ApiClient(context.http(), server.base(), server.token(context)), id);
        PrintWriter out = spec.commandLine().getOut();
        if (diffOnly) {
            String diff = Formats.text(patch, "diff_content");
            if (diff == null) {
                throw new ImmunityCli.UserException("patch " + Sanitizer.escape(id) + " has no diff"
                        + (patch.path("diff_released").asBoolean() ? " held (released to keep the server within its "
                        + "memory budget; it is in the patches topic)" : ""), null);
            }
            diffLines(diff).forEach(out::println);
            if (patch.path("diff_truncated").asBoolean()) {
                spec.commandLine().getErr().println("immunity: the diff was cut: " + truncation(patch));
            }
        } else if (output.json()) {
            out.println(Json.write(patch));
        } else {
            detail(patch).forEach(out::println);
        }
        out.flush();
        return 0;
    }

    /** The whole patch, diff included, from {@code GET /patches/{patch_id}}. */
    public static JsonNode fetch(ApiClient api, String patchId) {
        return api.get(ApiClient.API + "/patches/" + URLEncoder.encode(patchId, StandardCharsets.UTF_8).replace("+", "%20"),
                Map.of());
    }

    /** A diff's lines made safe for a terminal: control characters escaped, tabs kept (diffs of Go and Makefiles). */
    public static List<String> diffLines(String diff) {
        List<String> lines = new ArrayList<>();
        String body = diff.endsWith("\n") ? diff.substring(0, diff.length() - 1) : diff;
        for (String line : body.split("\n", -1)) {
            StringBuilder safe = new StringBuilder(line.length());
            String[] parts = line.split("\t", -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    safe.append('\t');
                }
                safe.append(Sanitizer.escape(parts[i]));
            }
            lines.add(safe.toString());
        }
        return lines;
    }

    /** "the first N of M bytes" for a cut diff. */
    public static String truncation(JsonNode patch) {
        String kept = Formats.text(patch, "diff_content");
        return "showing the first " + (kept == null ? 0 : kept.getBytes(StandardCharsets.UTF_8).length) + " of "
                + patch.path("diff_bytes").asLong() + " bytes";
    }

    /** The patch as sanitised {@code FIELD  value} lines, then its diff. */
    public static List<String> detail(JsonNode p) {
        List<String> lines = new ArrayList<>();
        java.util.function.BiConsumer<String, String> field = (k, v) ->
                lines.add(Text.fit(k.toUpperCase(Locale.ROOT), 12) + "  " + Sanitizer.escape(v == null ? "-" : v));
        field.accept("patch", Formats.text(p, "patch_id"));
        field.accept("cve", Formats.text(p, "cve_id"));
        field.accept("status", Formats.text(p, "status"));
        field.accept("strategy", Formats.text(p, "strategy"));
        Double confidence = Formats.number(p, "confidence");
        field.accept("confidence", confidence == null ? null : Formats.percent(confidence));
        field.accept("files", String.join(", ", Formats.strings(p, "files_modified")));
        JsonNode passed = p.path("validation_passed");
        field.accept("validation", passed.isBoolean() ? (passed.asBoolean() ? "passed" : "failed") : null);
        JsonNode tests = p.path("test_results");
        if (tests.isObject()) {
            field.accept("tests", "exit " + tests.path("exit_code").asText("-") + ", "
                    + Formats.duration(Formats.number(tests, "duration_seconds")));
            for (String stream : List.of("stdout", "stderr")) {
                String text = Formats.text(tests, stream);
                if (text != null && !text.isBlank()) {
                    for (String line : text.split("\r\n|\n")) {
                        lines.add("  " + Sanitizer.escape(line));
                    }
                }
            }
        }
        field.accept("attempts", String.join(" → ", Formats.strings(p, "strategy_attempts")));
        field.accept("branch", Formats.text(p, "branch_name"));
        field.accept("commit", Formats.text(p, "commit_sha"));
        field.accept("pr", Formats.text(p, "pr_url"));
        field.accept("error", Formats.text(p, "error_message"));
        field.accept("generated", Formats.dateTime(Formats.instant(p, "generated_at")));
        field.accept("completed", Formats.dateTime(Formats.instant(p, "completed_at")));
        lines.add("");
        String diff = Formats.text(p, "diff_content");
        if (diff == null) {
            lines.add(p.path("diff_released").asBoolean() ? "DIFF  released to keep the server within its memory budget"
                    : "DIFF  none sent");
            return lines;
        }
        lines.add("DIFF  " + p.path("diff_lines").asInt() + " lines"
                + (p.path("diff_truncated").asBoolean() ? ", cut: " + truncation(p) : ""));
        lines.addAll(diffLines(diff));
        return lines;
    }
}
