package dev.immunity.cli;

import dev.immunity.core.util.Backoff;
import dev.immunity.cli.watch.StreamClient;
import dev.immunity.cli.watch.WatchApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code immunity watch}: the live dashboard over the WebSocket stream, or with {@code -o ndjson} (and
 * whenever standard output is not a terminal) one JSON envelope per line for {@code jq} and scripts.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Watch the stream live: a dashboard, or NDJSON for scripts.",
                "A full-screen dashboard on a terminal; one JSON envelope per line (NDJSON)",
                "when standard output is not a terminal or with -o ndjson.",
                "Reconnects with backoff and resumes from its cursor: no gap, no duplicate.",
                "Keys: j/k or arrows select, Enter detail, / filter, p pause, ? help, q quit."})
public final class WatchCommand implements java.util.concurrent.Callable<Integer> {
    /** Output modes. */
    public enum Mode {
        tui, ndjson
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    @Option(names = {"-o", "--output"}, paramLabel = "MODE",
            description = "tui or ndjson (default: tui on a terminal, else ndjson).")
    Mode output;

    @Option(names = "--since", paramLabel = "CURSOR", description = "Replay the events after this cursor, then follow.")
    String since;

    @Option(names = "--priority", paramLabel = "P", split = ",",
            description = "Only APVs (and their patches) of these priorities: ${COMPLETION-CANDIDATES}.")
    List<PriorityOption> priorities = List.of();

    @Option(names = "--service", paramLabel = "NAME", description = "Only APVs (and their patches) affecting this service (repeatable).")
    List<String> services = List.of();

    @Option(names = "--team", paramLabel = "TEAM", description = "Only APVs of the services this team owns, in the "
            + "server's ownership map (repeatable).")
    List<String> teams = List.of();

    @Option(names = "--count", paramLabel = "N",
            description = "NDJSON: exit after N new apv/patch events (snapshot messages not counted).")
    Long count;

    @Option(names = "--no-color", description = "No colour (also when NO_COLOR is set).")
    boolean noColor;

    private final CliContext context;

    public WatchCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count: must be at least 1 (got " + count + ")");
        }
        Mode mode = output != null ? output : context.stdoutIsTerminal() ? Mode.tui : Mode.ndjson;
        if (mode == Mode.tui && count != null) {
            throw new ParameterException(spec.commandLine(), "--count: only with -o ndjson");
        }
        var query = new StreamClient.Query(priorities.stream().map(Enum::name).toList(), services, teams);
        Backoff backoff = new Backoff(context.firstBackoff(), context.maxBackoff(), ThreadLocalRandom.current()::nextDouble);
        return mode == Mode.ndjson ? ndjson(query, backoff) : tui(query, backoff);
    }

    private int ndjson(StreamClient.Query query, Backoff backoff) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AtomicLong events = new AtomicLong();
        CompletableFuture<Void> enough = new CompletableFuture<>();
        StreamClient client = new StreamClient(context.http(), server.base(),
                StoredTokens.streamTokens(context, server.base(), server.token()), query, since, backoff,
                context.clock(), null, new StreamClient.Listener() {
            @Override
            public void onEnvelope(String json, com.fasterxml.jackson.databind.JsonNode envelope) {
                if (enough.isDone()) {
                    return;
                }
                out.println(json);
                out.flush();
                String type = envelope.path("type").asText();
                if (count != null && ("apv".equals(type) || "patch".equals(type))
                        && !envelope.path("snapshot").asBoolean(false) && events.incrementAndGet() >= count) {
                    enough.complete(null);
                }
            }

            @Override
            public void onStatus(StreamClient.Status status) {
                if (status.state() == StreamClient.State.RECONNECTING) {
                    long ms = Math.max(0, Duration.between(context.clock().instant(), status.retryAt()).toMillis());
                    err.println("immunity: stream " + status.message() + ": reconnecting in " + ms + " ms");
                    err.flush();
                }
            }
        });
        try (client) {
            client.start();
            CompletableFuture.anyOf(enough, client.done()).get();
            return 0;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StreamClient.Failure f ? new ImmunityCli.UserException(f.getMessage(), f) : e;
        }
    }

    private int tui(StreamClient.Query query, Backoff backoff) throws Exception {
        boolean color = !noColor && !context.noColor();
        return new WatchApp(context, server.base(), color, id -> PatchCommand.fetch(
                new ApiClient(context.http(), server.base(), server.token(context)), id)).run(app -> new StreamClient(context.http(), server.base(),
                StoredTokens.streamTokens(context, server.base(), server.token()), query, since, backoff, context.clock(),
                Duration.ofSeconds(5), app));
    }
}
