package dev.immunity.core.stream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client: a bounded queue and a single writer. The writer runs only while there is something
 * to send (on a virtual thread, or on a non-blocking connection's own I/O thread), and sends
 * everything queued in as few writes as the connection allows. A client whose
 * queue overflows is closed with {@link CloseCodes#TOO_SLOW}; the others never wait for it.
 *
 * <p>Messages are the events' UTF-8 bytes, shared by every client. The queue starts small and grows
 * only while a client is behind, so an idle client costs a few hundred bytes here.
 */
final class ClientSession {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());
    /** A queue that grew past this while the client was behind is dropped once drained, not kept. */
    private static final int KEEP_QUEUE_BELOW = 64;

    interface Listener {
        void sent(ClientSession session, int messages, int frames);

        void overflowed(ClientSession session);

        void failed(ClientSession session, Exception cause);
    }

    final String id;
    final Connection connection;
    final StreamFilter filter;
    private final boolean batch;
    private final int capacity;
    private final int maxBatchBytes;
    private final Executor executor;
    private final Listener listener;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Guarded by this: sent before anything queued (snapshot or replay); not bounded by the capacity. */
    private ArrayDeque<byte[]> preload;
    /** Guarded by this: live messages, at most {@code capacity}; null while empty. */
    private ArrayDeque<byte[]> queue;
    /** Source offsets below which this client already has the events (it resumed from an offset cursor). */
    private volatile Map<String, Long> skipBelow;

    ClientSession(String id, Connection connection, ConnectOptions options, int capacity, int maxBatchBytes,
                  Executor executor, Listener listener) {
        this.id = id;
        this.connection = connection;
        this.filter = options.filter();
        this.batch = options.batch();
        this.capacity = capacity;
        this.maxBatchBytes = maxBatchBytes;
        this.executor = connection.writer() != null ? connection.writer() : executor;
        this.listener = listener;
    }

    void skipBelow(Map<String, Long> offsets) {
        this.skipBelow = offsets;
    }

    /**
     * Whether the client already has this event: it resumed, on an instance that had not yet read as far,
     * from a cursor past the event's offset.
     */
    boolean alreadyHas(StreamHistory.Entry entry) {
        var skip = skipBelow;
        return skip != null && entry.partition() != null && entry.offset() < skip.getOrDefault(entry.partition(), 0L);
    }

    /** Messages sent before anything queued (snapshot or replay); not bounded by the queue capacity. */
    synchronized void preload(List<byte[]> messages) {
        if (preload == null) {
            preload = new ArrayDeque<>(messages.size());
        }
        preload.addAll(messages);
    }

    /** Queues one message; closes the client as too slow when its queue is full. Never blocks. */
    void enqueue(byte[] message) {
        if (closing.get()) {
            return;
        }
        boolean full;
        synchronized (this) {
            if (queue == null) {
                queue = new ArrayDeque<>();
            }
            full = queue.size() >= capacity;
            if (full) {
                queue = null;
            } else {
                queue.addLast(message);
            }
        }
        if (full) {
            if (closing.compareAndSet(false, true)) {
                listener.overflowed(this);
            }
            return;
        }
        schedule();
    }

    /** Stops sending; what is queued is dropped. Returns false when it was already closing. */
    boolean markClosing() {
        boolean first = closing.compareAndSet(false, true);
        synchronized (this) {
            queue = null;
            preload = null;
        }
        return first;
    }

    void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        List<byte[]> pending = new ArrayList<>();
        try {
            while (true) {
                if (!connection.writable(this::drain)) {
                    return; // still scheduled: the transport calls drain again once it has written what it holds
                }
                pending.clear();
                take(pending);
                if (pending.isEmpty() || closing.get()) {
                    scheduled.set(false);
                    // Something may have been queued between the take and the flag: go on if we win it back.
                    if (closing.get() || isEmpty() || !scheduled.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                write(pending);
            }
        } catch (Exception e) {
            scheduled.set(false);
            if (!closing.get()) {
                LOG.log(System.Logger.Level.DEBUG, "client " + id + " write failed", e);
                listener.failed(this, e);
            }
        }
    }

    /** Moves up to one write's worth of messages (preload first) into {@code out}. */
    private synchronized void take(List<byte[]> out) {
        ArrayDeque<byte[]> from = preload != null && !preload.isEmpty() ? preload : queue;
        if (from == null) {
            return;
        }
        int bytes = 0;
        while (!from.isEmpty() && (out.isEmpty() || bytes + from.peekFirst().length <= maxBatchBytes)) {
            byte[] m = from.pollFirst();
            bytes += m.length + 1;
            out.add(m);
        }
        if (from.isEmpty()) {
            if (from == preload) {
                preload = null;
            } else if (out.size() >= KEEP_QUEUE_BELOW) {
                queue = null;
            }
        }
    }

    private synchronized boolean isEmpty() {
        return (preload == null || preload.isEmpty()) && (queue == null || queue.isEmpty());
    }

    private void write(List<byte[]> messages) throws Exception {
        if (!batch || messages.size() == 1) {
            connection.sendAll(messages);
            listener.sent(this, messages.size(), messages.size());
            return;
        }
        int length = messages.size() - 1;
        for (byte[] m : messages) {
            length += m.length;
        }
        byte[] joined = new byte[length];
        int at = 0;
        for (byte[] m : messages) {
            if (at > 0) {
                joined[at++] = '\n';
            }
            System.arraycopy(m, 0, joined, at, m.length);
            at += m.length;
        }
        connection.send(joined);
        listener.sent(this, messages.size(), 1);
    }
}
