package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity metrics}: MTTR, success rate, APVs per hour, overall and by priority. */
@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = "Show MTTR, patch success rate and APVs per hour, overall and by priority.")
public final class MetricsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Mixin
    OutputOption output;

    private final CliContext context;

    public MetricsCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        JsonNode m = new ApiClient(context.http(), server.base(), server.token(context)).get(ApiClient.API + "/metrics", Map.of());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Json.write(m));
            out.flush();
            return 0;
        }
        Table t = new Table("priority", "detected", "mttr-mean", "mttr-p50", "mttr-p90", "remediated", "success");
        t.row("all", m.path("apvs_detected").asLong(), Formats.duration(Formats.number(m, "mttr_avg_seconds")),
                Formats.duration(Formats.number(m, "mttr_p50_seconds")), Formats.duration(Formats.number(m, "mttr_p90_seconds")),
                m.path("mttr_samples").asLong(), Formats.percent(Formats.number(m, "success_rate")));
        m.path("by_priority").properties().forEach(e -> {
            JsonNode p = e.getValue();
            t.row(e.getKey(), p.path("apvs_detected").asLong(), Formats.duration(Formats.number(p, "mttr_avg_seconds")),
                    Formats.duration(Formats.number(p, "mttr_p50_seconds")),
                    Formats.duration(Formats.number(p, "mttr_p90_seconds")), p.path("mttr_samples").asLong(),
                    Formats.percent(Formats.number(p, "success_rate")));
        });
        t.print(out);
        out.println();
        Table totals = new Table("apvs/hour", "confirmed", "applied", "merged", "failed", "open", "mttr-basis");
        Double perHour = Formats.number(m, "apvs_per_hour");
        totals.row(perHour == null ? "-" : String.valueOf(perHour.longValue()), m.path("apvs_confirmed").asLong(),
                m.path("patches_applied").asLong(), m.path("patches_merged").asLong(), m.path("patches_failed").asLong(),
                m.path("patches_open").asLong(), Formats.text(m, "mttr_basis"));
        totals.print(out);
        return 0;
    }
}
