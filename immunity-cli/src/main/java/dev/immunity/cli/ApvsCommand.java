package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity apvs}: the latest APVs, newest first. */
@Command(name = "apvs", mixinStandardHelpOptions = true, description = "List the latest APVs, newest first.")
public final class ApvsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N APVs, 1-500 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--priority", paramLabel = "P", split = ",",
            description = "Only these priorities: ${COMPLETION-CANDIDATES} (comma-separated or repeated).")
    java.util.List<PriorityOption> priorities = java.util.List.of();

    @Option(names = "--service", paramLabel = "NAME", description = "Only APVs affecting this service.")
    String service;

    @Option(names = "--since", paramLabel = "CURSOR", description = "Only APVs that changed after this stream cursor.")
    String since;

    @Mixin
    OutputOption output;

    private final CliContext context;

    public ApvsCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (limit < 1 || limit > 500) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit: must be between 1 and 500 (got " + limit + ")");
        }
        ApiClient api = new ApiClient(context.http(), server.base(), server.token(context));
        Map<String, String> q = new LinkedHashMap<>();
        q.put("limit", Integer.toString(limit));
        q.put("priority", priorities.isEmpty() ? null : String.join(",", priorities.stream().map(Enum::name).toList()));
        q.put("service", service);
        q.put("since", since);
        JsonNode apvs = api.get(ApiClient.API + "/apvs", q);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Json.write(apvs));
            out.flush();
            return 0;
        }
        Table t = new Table("detected", "cve", "priority", "cvss", "services", "summary");
        for (JsonNode a : apvs) {
            t.row(Formats.dateTime(Formats.instant(a, "processed_at")), Formats.text(a, "cve_id"),
                    Formats.text(a, "priority"), Formats.cvss(a), String.join(",", Formats.strings(a, "affected_services")),
                    Text.truncate(Sanitizer.escape(Formats.text(a, "summary")), 70));
        }
        t.print(out);
        return 0;
    }
}
