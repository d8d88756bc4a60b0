package dev.immunity.cli.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.cli.CliContext;
import dev.immunity.cli.Formats;
import dev.immunity.cli.ImmunityCli;
import dev.immunity.cli.PatchCommand;
import dev.immunity.cli.Sanitizer;
import org.jline.keymap.BindingReader;
import org.jline.keymap.KeyMap;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The one class that touches the terminal. Enters raw mode and the alternate screen, reads keys,
 * applies stream updates (queued by the stream client's thread) and redraws with {@link Display}
 * (which sends only what changed); restores everything in {@code finally}. A resize only sets a flag
 * that the loop picks up.
 */
public final class WatchApp implements StreamClient.Listener {
    private static final long TICK_MILLIS = 100;

    private final CliContext context;
    private final URI server;
    private final DashboardRenderer renderer;
    private final ConcurrentLinkedQueue<UnaryOperator<DashboardState>> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean resized = new AtomicBoolean(true);
    private final AtomicBoolean interrupted = new AtomicBoolean();

    /** Diffs of the patches shown in the detail view, fetched once each, by patch id. */
    private final Map<String, List<String>> diffs = new ConcurrentHashMap<>();
    private final java.util.function.Function<String, JsonNode> patches;

    /** @param patches fetches one patch whole, diff included ({@code GET /patches/{patch_id}}) */
    public WatchApp(CliContext context, URI server, boolean color, java.util.function.Function<String, JsonNode> patches) {
        this.context = context;
        this.server = server;
        this.patches = patches;
        this.renderer = new DashboardRenderer(color, diffs);
    }

    /** Starts fetching the diffs the detail view shows and does not have yet; they are drawn when they arrive. */
    private void fetchDiffs(DashboardState state) {
        if (state.screen() != DashboardState.Screen.DETAIL || state.selectedApv() == null) {
            return;
        }
        String cve = state.selectedApv().cve();
        for (DashboardState.PatchRow p : state.patches()) {
            if (cve.equals(p.cve()) && p.diffLines() != null && p.diffLines() > 0
                    && diffs.putIfAbsent(p.patchId(), List.of("(loading)")) == null) {
                Thread.ofVirtual().name("immunity-watch-diff").start(() -> {
                    List<String> lines;
                    try {
                        JsonNode whole = patches.apply(p.patchId());
                        String diff = Formats.text(whole, "diff_content");
                        lines = new ArrayList<>();
                        if (whole.path("diff_truncated").asBoolean()) {
                            lines.add("(cut: " + PatchCommand.truncation(whole) + ")");
                        }
                        lines.addAll(diff == null ? List.of("(not held by the server)") : PatchCommand.diffLines(diff));
                    } catch (RuntimeException e) {
                        lines = List.of("(could not fetch the diff: " + Sanitizer.escape(e.getMessage()) + ")");
                    }
                    diffs.put(p.patchId(), List.copyOf(lines));
                    inbox.add(s -> s); // draw it now
                });
            }
        }
    }

    @Override
    public void onEnvelope(String json, JsonNode envelope) {
        Instant at = context.clock().instant();
        inbox.add(s -> s.withEnvelope(envelope, at));
    }

    @Override
    public void onStatus(StreamClient.Status status) {
        inbox.add(s -> s.withStatus(status));
    }

    /**
     * Runs the dashboard until {@code q} or Ctrl-C.
     *
     * @param connect makes the stream client that reports to this app
     * @return the exit code
     */
    public int run(Function<StreamClient.Listener, StreamClient> connect) throws Exception {
        StreamClient client = connect.apply(this);
        client.start();
        try {
            // Fail like every other command when the server cannot be reached at all: one line, exit 1.
            client.firstConnection().get();
        } catch (java.util.concurrent.ExecutionException e) {
            client.close();
            throw new ImmunityCli.UserException(e.getCause().getMessage(), e.getCause());
        }
        try (client; Terminal terminal = context.terminals().open()) {
            return loop(terminal);
        }
    }

    private int loop(Terminal terminal) throws Exception {
        Attributes saved = terminal.enterRawMode();
        Terminal.SignalHandler oldWinch = terminal.handle(Terminal.Signal.WINCH, sig -> resized.set(true));
        Terminal.SignalHandler oldInt = terminal.handle(Terminal.Signal.INT, sig -> interrupted.set(true));
        try {
            terminal.puts(Capability.enter_ca_mode);
            terminal.puts(Capability.keypad_xmit);
            terminal.puts(Capability.cursor_invisible);
            terminal.flush();
            Display display = new Display(terminal, true);
            KeyMap<Action> browse = Keys.browse(terminal);
            KeyMap<Action> filter = Keys.filter(terminal);
            NonBlockingReader reader = terminal.reader();
            BindingReader keys = new BindingReader(reader);
            DashboardState state = DashboardState.initial(server.toString(), context.clock().instant());
            Size size = terminal.getSize();
            List<AttributedString> last = null;
            while (!state.quit() && !interrupted.get()) {
                if (resized.getAndSet(false)) {
                    size = terminal.getSize();
                    display.clear();
                    display.resize(size.getRows(), size.getColumns());
                    last = null;
                }
                UnaryOperator<DashboardState> update;
                while ((update = inbox.poll()) != null) {
                    state = update.apply(state);
                }
                state = state.at(context.clock().instant());
                fetchDiffs(state);
                List<AttributedString> screen = renderer.render(state, size.getColumns(), size.getRows());
                if (!screen.equals(last)) {
                    display.update(screen, -1);
                    terminal.flush();
                    last = screen;
                }
                int c = reader.peek(TICK_MILLIS);
                if (c == NonBlockingReader.EOF) {
                    break;
                }
                if (c >= 0) {
                    Action a = keys.readBinding(state.filterInput() != null ? filter : browse, null, false);
                    if (a != null) {
                        state = state.apply(a, keys.getLastBinding(), pageRows(state, size));
                    }
                }
            }
            return 0;
        } finally {
            terminal.puts(Capability.cursor_normal);
            terminal.puts(Capability.keypad_local);
            terminal.puts(Capability.exit_ca_mode);
            terminal.flush();
            terminal.setAttributes(saved);
            terminal.handle(Terminal.Signal.WINCH, oldWinch);
            terminal.handle(Terminal.Signal.INT, oldInt);
        }
    }

    private static int pageRows(DashboardState s, Size size) {
        return Math.max(1, size.getRows() - 12);
    }
}
