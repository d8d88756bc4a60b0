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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity sla}: open APVs against their remediation SLA, and a gate for pipelines. */
@Command(name = "sla", mixinStandardHelpOptions = true,
        description = {"Open APVs against their remediation SLA, the soonest deadline (or most overdue) first.",
                "With --fail-on, exits 3 when any open APV (of --priority and --service) is in that state: a gate for a pipeline."})
public final class SlaCommand implements Callable<Integer> {
    /** The exit code when --fail-on finds something. */
    public static final int FAILED_GATE = 3;

    /** The states --state and --fail-on take. */
    public enum SlaStateOption { within, at_risk, breached }

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--priority", paramLabel = "P", split = ",",
            description = "Only these priorities: ${COMPLETION-CANDIDATES} (comma-separated or repeated).")
    List<PriorityOption> priorities = List.of();

    @Option(names = "--service", paramLabel = "NAME", description = "Only APVs affecting this service.")
    String service;

    @Option(names = "--team", paramLabel = "TEAM", description = "Only APVs this team owns (the server's ownership map).")
    String team;

    @Option(names = "--state", paramLabel = "S", split = ",",
            description = "Only these states: ${COMPLETION-CANDIDATES} (comma-separated or repeated).")
    List<SlaStateOption> states = List.of();

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N APVs, 1-500 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--fail-on", paramLabel = "STATE",
            description = "at_risk or breached: exit 3 when any open APV matching --priority, --service and --team is in "
                    + "that state (at_risk counts breached ones too), whatever --state and --limit list.")
    SlaStateOption failOn;

    @Mixin
    OutputOption output;

    private final CliContext context;

    public SlaCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (limit < 1 || limit > 500) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit: must be between 1 and 500 (got " + limit + ")");
        }
        if (failOn == SlaStateOption.within) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--fail-on: must be at_risk or breached");
        }
        Map<String, String> q = new LinkedHashMap<>();
        q.put("limit", Integer.toString(limit));
        q.put("priority", priorities.isEmpty() ? null : String.join(",", priorities.stream().map(Enum::name).toList()));
        q.put("service", service);
        q.put("team", team);
        q.put("state", states.isEmpty() ? null : String.join(",", states.stream().map(Enum::name).toList()));
        ApiClient api = new ApiClient(context.http(), server.base(), server.token(context));
        JsonNode open = api.get(ApiClient.API + "/sla", q);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(Json.write(open));
        } else {
            Table t = new Table("deadline", "due", "state", "priority", "cve", "owner", "services");
            for (JsonNode s : open) {
                long remaining = s.path("seconds_remaining").asLong();
                t.row(Formats.dateTime(Formats.instant(s, "deadline")),
                        remaining >= 0 ? "in " + Formats.duration((double) remaining)
                                : "overdue " + Formats.duration((double) -remaining),
                        Formats.text(s, "state"), Formats.text(s, "priority"), Formats.text(s, "cve_id"),
                        Formats.text(s, "owner"),
                        String.join(",", Formats.strings(s, "services")));
            }
            t.print(out);
        }
        out.flush();
        if (failOn != null) {
            // Asked on its own, so that the gate sees every failing APV whatever --limit and --state list.
            q.put("state", failOn == SlaStateOption.breached ? "breached" : "at_risk,breached");
            q.put("limit", "500");
            int failing = api.get(ApiClient.API + "/sla", q).size();
            if (failing > 0) {
                spec.commandLine().getErr().println("immunity: " + (failing == 500 ? "500 or more" : failing) + " APV(s) "
                        + (failOn == SlaStateOption.breached ? "past their SLA" : "at risk of or past their SLA"));
                return FAILED_GATE;
            }
        }
        return 0;
    }
}
