package dev.immunity.cli.bench;

import org.HdrHistogram.Histogram;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One bench connection. Reads every frame (split on {@code \n} when batching), finds the bench's
 * sequence number in the event's {@code cve_id} without parsing the JSON, and records the latency
 * from the event's intended send time into its own histogram (merged with the others at the end).
 * The JDK calls a listener's methods one at a time, so the state needs no locks; it is read after
 * the run, once the sender and the drain have ended. The Netty client ({@link NettyConnector}) calls
 * {@link #onFrame} from its one event loop.
 */
final class BenchClient implements WebSocket.Listener {
    private final String marker;
    private final AtomicLongArray intended;
    private final boolean slow;
    private final StringBuilder partial = new StringBuilder();

    final Histogram latency = Percentiles.newMicrosHistogram();
    final BitSet seen = new BitSet();
    volatile long received;
    volatile long duplicated;
    volatile long frames;
    volatile long messages;
    volatile long openedNanos;
    volatile long closedNanos;
    volatile int closeCode = -1;
    volatile long lastMessageNanos;
    volatile long maxGapNanos;
    final CompletableFuture<Void> hello = new CompletableFuture<>();

    /**
     * @param marker   the text just before the sequence number, such as {@code CVE-2026-BAB12-}
     * @param intended intended send time of each sequence number ({@code 0} = not sent)
     * @param slow     read nothing after {@code hello} (a stalled consumer)
     */
    BenchClient(String marker, AtomicLongArray intended, boolean slow) {
        this.marker = marker;
        this.intended = intended;
        this.slow = slow;
    }

    @Override
    public void onOpen(WebSocket ws) {
        opened(System.nanoTime());
        ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        long now = System.nanoTime();
        partial.append(data);
        if (last) {
            String frame = partial.toString();
            partial.setLength(0);
            onFrame(frame, now);
        }
        if (!slow || !hello.isDone()) {
            ws.request(1);
        }
        return null;
    }

    /** Whether this client stops reading once it has its {@code hello}. */
    boolean slow() {
        return slow;
    }

    /** Opened (the Netty client calls this once the upgrade is answered). */
    void opened(long now) {
        openedNanos = now;
        lastMessageNanos = now;
    }

    /** Closed with this code ({@code 1006}: no close frame). */
    void closed(int code, long now) {
        if (closedNanos == 0) {
            closeCode = code;
            closedNanos = now;
        }
        hello.completeExceptionally(new IllegalStateException("closed with " + code + " before hello"));
    }

    /** One whole text frame: one envelope, or several separated by {@code \n} (batch=ndjson). */
    void onFrame(String frame, long now) {
        frames++;
        int from = 0;
        while (from <= frame.length()) {
            int nl = frame.indexOf('\n', from);
            int to = nl < 0 ? frame.length() : nl;
            onMessage(frame, from, to, now);
            if (nl < 0) {
                break;
            }
            from = nl + 1;
        }
    }

    private void onMessage(String frame, int from, int to, long now) {
        messages++;
        long gap = now - lastMessageNanos;
        if (gap > maxGapNanos) {
            maxGapNanos = gap;
        }
        lastMessageNanos = now;
        if (!hello.isDone() && frame.startsWith("{\"type\":\"hello\"", from)) {
            hello.complete(null);
            return;
        }
        if (!frame.startsWith("{\"type\":\"apv\"", from)) {
            return; // the bench's events are APVs; their SLA messages (and metrics, heartbeats) name them too
        }
        int at = frame.indexOf(marker, from);
        if (at < 0 || at >= to) {
            return;
        }
        int i = at + marker.length();
        int seq = 0;
        int digits = 0;
        while (i < to && digits < 9) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            seq = seq * 10 + (c - '0');
            i++;
            digits++;
        }
        if (digits == 0 || seq >= intended.length()) {
            return;
        }
        if (seen.get(seq)) {
            duplicated++;
            return;
        }
        seen.set(seq);
        received++;
        long t0 = intended.get(seq);
        if (t0 != 0) {
            latency.recordValue(Math.max(0, (now - t0) / 1000));
        }
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closed(statusCode, System.nanoTime());
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        hello.completeExceptionally(error);
        closed(1006, System.nanoTime());
    }

    /** Time connected between {@code from} and {@code to} (nanoTime). */
    long connectedNanos(long from, long to) {
        long open = Math.max(from, openedNanos);
        long close = closedNanos == 0 ? to : Math.min(to, closedNanos);
        return Math.max(0, close - open);
    }
}
