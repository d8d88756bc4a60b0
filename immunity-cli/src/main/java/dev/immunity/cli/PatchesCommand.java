package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity patches}: patches, most recently updated first. */
@Command(name = "patches", mixinStandardHelpOptions = true, description = "List patches, most recently updated first.")
public final class PatchesCommand implements Callable<Integer> {
    /** Patch states as options spell them. */
    public enum Status {
        pending, validating, applied, merged, failed, rolled_back
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--status", paramLabel = "S", split = ",",
            description = "Only these states: ${COMPLETION-CANDIDATES} (comma-separated or repeated).")
    List<Status> statuses = List.of();

    @Option(names = "--cve", paramLabel = "CVE", description = "Only patches for this CVE.")
    String cve;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N patches, 1-500 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Mixin
    OutputOption output;

    private final CliContext context;

    public PatchesCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (limit < 1 || limit > 500) {
            throw new ParameterException(spec.commandLine(), "--limit: must be between 1 and 500 (got " + limit + ")");
        }
        String id = cve == null ? null : cve.strip().toUpperCase(Locale.ROOT);
        if (id != null && !WireFormat.isCveId(id)) {
            throw new ParameterException(spec.commandLine(), "--cve: '" + Sanitizer.escape(cve) + "' is not a CVE id such as CVE-2024-50379");
        }
        Map<String, String> q = new LinkedHashMap<>();
        q.put("limit", Integer.toString(limit));
        q.put("status", statuses.isEmpty() ? null : String.join(",", statuses.stream().map(Enum::name).toList()));
        q.put("cve_id", id);
        JsonNode patches = new ApiClient(context.http(), server.base(), server.token(context)).get(ApiClient.API + "/patches", q);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Json.write(patches));
            out.flush();
            return 0;
        }
        Table t = new Table("updated", "status", "strategy", "cve", "confidence", "pr");
        for (JsonNode p : patches) {
            Double confidence = Formats.number(p, "confidence");
            t.row(Formats.dateTime(Formats.instant(p, "updated_at")), Formats.text(p, "status"), Formats.text(p, "strategy"),
                    Formats.text(p, "cve_id"), confidence == null ? null : String.format(Locale.ROOT, "%.2f", confidence),
                    Formats.text(p, "pr_url"));
        }
        t.print(out);
        return 0;
    }
}
