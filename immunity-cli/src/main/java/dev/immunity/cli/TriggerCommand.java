package dev.immunity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code immunity trigger}: sends test APVs through the server's trigger, which every client sees. */
@Command(name = "trigger", mixinStandardHelpOptions = true,
        description = {"Send test APVs that every client sees (POST /api/test/trigger-apv).",
                "Fields not given are filled in by the server with realistic values."})
public final class TriggerCommand implements Callable<Integer> {
    private static final int MAX_RETRIES = 10;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = "--cve", paramLabel = "CVE",
            description = "CVE id (default: a random test id); with --count > 1, -1, -2, ... is appended.")
    String cve;

    @Option(names = "--priority", paramLabel = "P", description = "Priority: ${COMPLETION-CANDIDATES}.")
    PriorityOption priority;

    @Option(names = "--service", paramLabel = "NAME", description = "Affected service (repeat for several).")
    List<String> services = List.of();

    @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "How many APVs to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--rate", paramLabel = "R/s", description = "Send at most R APVs per second, such as 5 or 5/s (default: as fast as allowed).")
    String rate;

    @Option(names = "--with-patch", description = "Follow each APV with a simulated patch lifecycle.")
    boolean withPatch;

    @Option(names = "--file", paramLabel = "FILE", description = "Send this APV (JSON in the detection engine's format); the options above override its fields.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (one JSON answer per line) (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    private final CliContext context;
    /** Made when a random id is first needed: seeding it costs every command's start ~40 ms otherwise. */
    private SecureRandom random;

    public TriggerCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (count < 1) {
            throw new ParameterException(spec.commandLine(), "--count: must be at least 1 (got " + count + ")");
        }
        double perSecond = parseRate();
        String baseCve = cve == null ? null : cve.strip().toUpperCase(Locale.ROOT);
        if (baseCve != null && !WireFormat.isCveId(baseCve)) {
            throw new ParameterException(spec.commandLine(), "--cve: '" + Sanitizer.escape(cve) + "' is not a CVE id such as CVE-2024-TEST");
        }
        ObjectNode template = readFile();
        ApiClient api = new ApiClient(context.http(), server.base(), server.token(context));
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (perSecond > 0 && i > 0) {
                long due = start + (long) (i * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            ObjectNode body = template.deepCopy();
            String id = baseCve != null ? (count > 1 ? baseCve + "-" + (i + 1) : baseCve)
                    : body.path("cve_id").isTextual() && count == 1 ? body.path("cve_id").textValue() : randomCve();
            body.put("cve_id", id);
            if (priority != null) {
                body.put("priority", priority.name());
            }
            if (!services.isEmpty()) {
                var arr = body.putArray("affected_services");
                services.forEach(arr::add);
            }
            JsonNode answer = send(api, body);
            if (output == OutputFormat.table && i == 0) {
                out.println(line("STATUS", "CVE", "PRIORITY", "PATCH", "CURSOR", "SERVICES"));
            }
            if (output == OutputFormat.json) {
                out.println(Json.write(answer));
            } else {
                JsonNode apv = answer.path("apv");
                out.println(line(Formats.text(answer, "status"), Formats.text(answer, "cve_id"),
                        Formats.text(apv, "priority"), answer.path("simulate_patch").asBoolean() ? "simulated" : "-",
                        Formats.text(answer, "cursor"), String.join(",", Formats.strings(apv, "affected_services"))));
            }
            out.flush();
        }
        return 0;
    }

    private JsonNode send(ApiClient api, ObjectNode body) throws InterruptedException {
        String path = "/api/test/trigger-apv" + (withPatch ? "?simulate_patch=true" : "");
        for (int attempt = 0; ; attempt++) {
            ApiClient.Answer a = api.post(path, Json.write(body));
            if (a.status() == 429 && attempt < MAX_RETRIES) {
                long seconds = a.raw().headers().firstValueAsLong("Retry-After").orElse(1);
                Thread.sleep(Math.max(100, seconds * 1000));
                continue;
            }
            if (a.status() == 404) {
                throw new ImmunityCli.UserException("the server has no trigger (immunity.trigger.enabled is false)");
            }
            if (a.status() / 100 != 2 || a.body() == null) {
                throw api.failure(a.raw(), a.body());
            }
            return a.body();
        }
    }

    private double parseRate() {
        if (rate == null) {
            return 0;
        }
        String r = rate.strip().toLowerCase(Locale.ROOT);
        if (r.endsWith("/s")) {
            r = r.substring(0, r.length() - 2);
        }
        try {
            double d = Double.parseDouble(r);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ParameterException(spec.commandLine(), "--rate: '" + Sanitizer.escape(rate) + "' is not a positive rate such as 5 or 5/s");
    }

    private ObjectNode readFile() {
        if (file == null) {
            return Json.mapper().createObjectNode();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ImmunityCli.UserException("--file: cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        JsonNode node;
        try {
            node = Json.parse(text);
        } catch (RuntimeException e) {
            throw new ImmunityCli.UserException("--file: " + file + ": " + e.getMessage());
        }
        if (!node.isObject()) {
            throw new ImmunityCli.UserException("--file: " + file + ": must hold one JSON object (an APV)");
        }
        return (ObjectNode) node;
    }

    private String randomCve() {
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        StringBuilder sb = new StringBuilder("CVE-").append(Year.now(ZoneOffset.UTC)).append("-T");
        for (int i = 0; i < 7; i++) {
            if (random == null) {
                random = new SecureRandom();
            }
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String line(String status, String cve, String priority, String patch, String cursor, String services) {
        return (Text.fit(Sanitizer.escape(status), 9) + "  " + Text.fit(Sanitizer.escape(cve), 20) + "  "
                + Text.fit(Sanitizer.escape(priority), 8) + "  " + Text.fit(patch, 9) + "  "
                + Text.fit(Sanitizer.escape(cursor), 20) + "  " + Sanitizer.escape(services)).stripTrailing();
    }
}
