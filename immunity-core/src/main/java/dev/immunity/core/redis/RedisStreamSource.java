package dev.immunity.core.redis;

import dev.immunity.core.json.IngestLimits;
import dev.immunity.core.json.InvalidEventException;
import dev.immunity.core.json.Json;
import dev.immunity.core.json.WireFormat;
import dev.immunity.core.model.Apv;
import dev.immunity.core.model.Event;
import dev.immunity.core.model.Patch;
import dev.immunity.core.stream.SourcePosition;
import dev.immunity.core.stream.StreamManager;
import dev.immunity.core.util.Backoff;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fans events out across instances through one Redis Stream ({@link RedisSettings#streamKey()}), without Kafka.
 *
 * <ul>
 *   <li><b>In</b>: {@link #submit} appends an event in the producers' JSON ({@code XADD … MAXLEN ~ N}); it is
 *       <i>not</i> published locally: this instance's clients get it when it is read back, like everyone's.</li>
 *   <li><b>Out</b>: one thread per process reads the stream with {@code XREAD BLOCK} from its own position
 *       (no consumer group: every instance reads everything, in the stream's order) and publishes each entry
 *       with its position, so cursors are stream positions, valid on every instance.</li>
 *   <li><b>Rebuild at start</b>: it reads the retained stream from its first entry before reporting itself
 *       live; those events rebuild state, metrics and history and are not pushed as new.</li>
 *   <li><b>Redis down</b>: {@link #submit} publishes the event locally at once (this instance's clients get it)
 *       and keeps it in a bounded outbox; once Redis is back the outbox is appended to the stream, in order,
 *       so the other instances get it. Reading it back here changes nothing (the same state is a duplicate).</li>
 * </ul>
 *
 * <p>Positions: a stream id {@code <ms>-<seq>} becomes the offset {@code ms * 2^20 + seq} (order-preserving;
 * holds for ids up to the year 2248 and up to 2^20 entries in one millisecond).
 */
public final class RedisStreamSource implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisStreamSource.class.getName());
    /** The stream's partition name in cursors. */
    public static final String PARTITION = "r0";
    private static final Duration BLOCK = Duration.ofMillis(500);
    private static final int SEQ_BITS = 20;

    /** Where the source is in its life. */
    public enum Phase { CONNECTING, REBUILDING, LIVE, STOPPED }

    /**
     * The source's state for health checks.
     *
     * @param phase     connecting (no Redis yet), rebuilding (reading the retained stream), live, stopped
     * @param redisUp   whether Redis answered the last read
     * @param consumed  stream entries read
     * @param queued    events waiting in the outbox for Redis
     * @param dropped   events dropped from a full outbox (delivered locally only)
     * @param skipped   stream entries that were invalid or could not be processed: counted, logged, skipped
     * @param lastError the last problem seen, or null
     */
    public record Status(Phase phase, boolean redisUp, long consumed, int queued, long dropped, String lastError,
                         long skipped) {
        /** Live and reading. */
        public boolean ready() {
            return phase == Phase.LIVE && redisUp;
        }
    }

    /**
     * What {@link #submit} did.
     *
     * @param id        the stream id, when appended
     * @param localOnly Redis was not reachable: published locally and queued for the stream
     * @param sent      when {@code localOnly}: whether it was new here (false: a duplicate)
     */
    public record Submitted(String id, boolean localOnly, boolean sent) {
    }

    private record Pending(String type, String data) {
    }

    private final RedisSettings settings;
    private final IngestLimits limits;
    private final RedisLink link;
    private final StreamManager stream;
    private final InstantSource clock;
    private final Thread thread;
    private final Object submitLock = new Object();
    private final Deque<Pending> outbox = new ArrayDeque<>();
    /** Events delivered here while Redis was away and since appended: placed in the history when read back. */
    private final java.util.Set<String> awaitingReadBack = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    private final LongAdder consumed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    /** Entries that were invalid or could not be processed: skipped, counted and logged. */
    private final LongAdder invalid = new LongAdder();
    private volatile boolean running = true;
    private volatile Phase phase = Phase.CONNECTING;
    private volatile boolean readerUp;
    private volatile String lastError;

    // Reader-thread state.
    private String lastId = "0-0";
    private long rebuildUntil = -1;
    private boolean assigned;

    public RedisStreamSource(RedisLink link, StreamManager stream, InstantSource clock) {
        this(link, IngestLimits.DEFAULTS, stream, clock);
    }

    /** @param limits the largest APV and patch entry accepted; larger ones are counted, logged and skipped unread */
    public RedisStreamSource(RedisLink link, IngestLimits limits, StreamManager stream, InstantSource clock) {
        this.limits = limits;
        this.settings = link.settings();
        this.link = link;
        this.stream = stream;
        this.clock = clock;
        this.thread = Thread.ofPlatform().name("immunity-redis-stream").daemon(true).unstarted(this::run);
    }

    /** Starts reading on its own thread. Returns at once, Redis or not. */
    public void start() {
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        phase = Phase.STOPPED;
    }

    public Status status() {
        int queued;
        synchronized (outbox) {
            queued = outbox.size();
        }
        return new Status(phase, readerUp && link.up(), consumed.sum(), queued, dropped.sum(),
                lastError != null ? lastError : link.lastError(), invalid.sum());
    }

    /**
     * Sends an APV or patch to every instance: appended to the stream; or, when Redis does not answer within
     * the command timeout, published here at once and queued for the stream. Waits at most the command timeout.
     */
    public Submitted submit(Event event) {
        Pending p = switch (event) {
            case Apv apv -> new Pending("apv", Json.write(WireFormat.toWire(apv)));
            case Patch patch -> new Pending("patch", Json.write(WireFormat.toWire(patch)));
            default -> throw new IllegalArgumentException("only APVs and patches can be sent in");
        };
        synchronized (submitLock) {
            boolean queuedBefore;
            synchronized (outbox) {
                queuedBefore = !outbox.isEmpty();
            }
            var commands = link.commands();
            if (!queuedBefore && commands.isPresent() && link.up()) {
                try {
                    String id = commands.get().xadd(settings.streamKey(), addArgs(), body(p))
                            .get(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    return new Submitted(id, false, true);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    lastError = "append failed: " + RedisLink.rootMessage(e);
                }
            }
            // The same event as it will be read back from the stream, so that reading it back is a duplicate here.
            boolean sent = stream.publish(decode(p, clock.instant()));
            synchronized (outbox) {
                if (outbox.size() >= settings.outboxCapacity()) {
                    if (outbox.isEmpty()) {
                        dropped.increment();
                        return new Submitted(null, true, sent);
                    }
                    outbox.removeFirst();
                    dropped.increment();
                }
                outbox.addLast(p);
            }
            return new Submitted(null, true, sent);
        }
    }

    private XAddArgs addArgs() {
        return XAddArgs.Builder.maxlen(settings.streamMaxLength()).approximateTrimming();
    }

    private static Map<String, String> body(Pending p) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("type", p.type());
        m.put("data", p.data());
        return m;
    }

    private static Event decode(Pending p, Instant fallbackTime) {
        return switch (p.type()) {
            case "apv" -> WireFormat.parseApv(p.data());
            case "patch" -> WireFormat.parsePatch(p.data(), fallbackTime);
            default -> throw new InvalidEventException("type", "must be apv or patch (got " + p.type() + ")");
        };
    }

    private void run() {
        Backoff backoff = new Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(1));
        StatefulRedisConnection<String, String> reader = null;
        while (running) {
            try {
                if (reader == null) {
                    reader = link.connectForBlockingReads(BLOCK);
                }
                RedisCommands<String, String> r = reader.sync();
                if (!assigned) {
                    assign(r);
                }
                flushOutbox();
                List<StreamMessage<String, String>> messages = r.xread(
                        XReadArgs.Builder.block(BLOCK).count(1000),
                        XReadArgs.StreamOffset.from(settings.streamKey(), lastId));
                readerUp = true;
                backoff.reset();
                if (messages != null) {
                    for (StreamMessage<String, String> m : messages) {
                        handle(m);
                        lastId = m.getId();
                    }
                }
                if (phase == Phase.REBUILDING && (messages == null || messages.isEmpty()) && nothingLeftToRebuild(r)) {
                    rebuildUntil = offsetOf(lastId); // Redis came back without the entries we were rebuilding from
                }
                if (phase == Phase.REBUILDING && offsetOf(lastId) >= rebuildUntil) {
                    phase = Phase.LIVE;
                    LOG.log(System.Logger.Level.INFO, "Redis: state rebuilt from the stream (" + consumed.sum()
                            + " entries); live");
                }
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                readerUp = false;
                lastError = RedisLink.rootMessage(e);
                long wait = backoff.next().toMillis();
                LOG.log(System.Logger.Level.DEBUG, "Redis stream: " + lastError + "; retrying in " + wait + " ms");
                sleep(wait);
            }
        }
        if (reader != null) {
            try {
                reader.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "reader close", e);
            }
        }
    }

    /** Cursors become stream positions; history is complete from the first retained entry. */
    private void assign(RedisCommands<String, String> r) {
        List<StreamMessage<String, String>> first = r.xrange(settings.streamKey(), Range.create("-", "+"), Limit.from(1));
        List<StreamMessage<String, String>> last = r.xrevrange(settings.streamKey(), Range.create("-", "+"), Limit.from(1));
        long start = first.isEmpty() ? 0 : offsetOf(first.getFirst().getId());
        rebuildUntil = last.isEmpty() ? -1 : offsetOf(last.getFirst().getId());
        stream.assign(fingerprint(settings), Map.of(PARTITION, start));
        assigned = true;
        readerUp = true;
        phase = rebuildUntil < 0 ? Phase.LIVE : Phase.REBUILDING;
        LOG.log(System.Logger.Level.INFO, "Redis: reading stream " + settings.streamKey() + " at "
                + settings.redactedUri() + (phase == Phase.LIVE ? " (empty)" : "; rebuilding state"));
    }

    /** Whether the stream holds nothing after where reading is (it may have been lost with a Redis restart). */
    private boolean nothingLeftToRebuild(RedisCommands<String, String> r) {
        List<StreamMessage<String, String>> last = r.xrevrange(settings.streamKey(), Range.create("-", "+"), Limit.from(1));
        return last.isEmpty() || offsetOf(last.getFirst().getId()) <= offsetOf(lastId);
    }

    /**
     * Appends what was queued while Redis was away, oldest first; stops at the first failure. Holds no lock while
     * it waits for Redis (a hung Redis must not hold up {@link #submit}); order holds because {@link #submit}
     * appends nothing itself while the outbox is not empty.
     */
    private void flushOutbox() throws Exception {
        while (true) {
            Pending p;
            synchronized (outbox) {
                p = outbox.peekFirst();
            }
            if (p == null) {
                return;
            }
            var commands = link.commands().orElseThrow(() -> new IllegalStateException("not connected yet"));
            commands.xadd(settings.streamKey(), addArgs(), body(p)).get(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            rememberForReadBack(p.data());
            synchronized (outbox) {
                if (outbox.peekFirst() == p) { // not dropped meanwhile by a full outbox
                    outbox.pollFirst();
                }
            }
        }
    }

    private void rememberForReadBack(String data) {
        synchronized (awaitingReadBack) {
            awaitingReadBack.add(data);
            var it = awaitingReadBack.iterator();
            while (awaitingReadBack.size() > Math.max(1, settings.outboxCapacity()) && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
    }

    private void handle(StreamMessage<String, String> m) {
        consumed.increment();
        long offset;
        try {
            offset = offsetOf(m.getId());
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "Redis: stream id out of range, entry ignored: " + m.getId());
            return;
        }
        SourcePosition position = new SourcePosition(PARTITION, offset, offset <= rebuildUntil);
        Map<String, String> body = m.getBody();
        Event event;
        try {
            String type = body.get("type");
            String data = body.get("data");
            if (type == null || data == null) {
                throw new InvalidEventException("", "stream entry without type and data fields");
            }
            if ("apv".equals(type)) {
                limits.checkApv(data.length());
            } else {
                limits.checkPatch(data.length());
            }
            event = decode(new Pending(type, data), Instant.ofEpochMilli(offset >>> SEQ_BITS));
        } catch (RuntimeException e) {
            invalid.increment();
            LOG.log(System.Logger.Level.WARNING, "Redis: invalid entry " + m.getId() + " of " + settings.streamKey()
                    + " skipped (" + invalid.sum() + " so far): " + e.getMessage());
            stream.skip(position);
            return;
        }
        try {
            boolean sent = stream.publish(event, position);
            if (!sent && awaitingReadBack.remove(body.get("data"))) {
                // Ours, from the outbox: this instance's clients had it when it happened; now cursors cover it too.
                stream.placed(event, position);
            }
        } catch (RuntimeException e) {
            // A valid entry that a later step could not handle: counted, logged with where it is, and skipped, so
            // the entries after it are still delivered and cursors move past it.
            invalid.increment();
            LOG.log(System.Logger.Level.ERROR, "Redis: entry " + m.getId() + " of " + settings.streamKey()
                    + " could not be processed and was skipped (" + invalid.sum() + " so far)", e);
            stream.skip(position);
        }
    }

    /** The order-preserving offset of a stream id {@code <ms>-<seq>}: {@code ms * 2^20 + seq}. */
    public static long offsetOf(String streamId) {
        int dash = streamId.indexOf('-');
        long ms;
        long seq;
        try {
            ms = Long.parseLong(dash < 0 ? streamId : streamId.substring(0, dash));
            seq = dash < 0 ? 0 : Long.parseLong(streamId.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a stream id: " + streamId, e);
        }
        if (ms < 0 || ms >= (1L << (63 - SEQ_BITS)) || seq < 0 || seq >= (1L << SEQ_BITS)) {
            throw new IllegalArgumentException("stream id out of range: " + streamId);
        }
        return (ms << SEQ_BITS) | seq;
    }

    /** Identifies the stream in cursors, so a cursor of another stream (or of Kafka topics) is not taken for one of this. */
    static String fingerprint(RedisSettings s) {
        return "r" + Integer.toString(s.streamKey().hashCode() & 0x7fffffff, 36);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
