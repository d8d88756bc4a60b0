package dev.immunity.core.stream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client: a bounded queue and a single writer. The writer runs only while there is something
 * to send, and sends everything queued in as few writes as the client allows. A client whose queue
 * overflows is closed with {@link CloseCodes#TOO_SLOW}; the others never wait for it.
 */
final class ClientSession {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());

    interface Listener {
        void sent(ClientSession session, int messages, int frames);

        void overflowed(ClientSession session);

        void failed(ClientSession session, Exception cause);
    }

    final String id;
    final Connection connection;
    final StreamFilter filter;
    private final boolean batch;
    private final int maxBatchBytes;
    private final ArrayBlockingQueue<String> queue;
    private final ArrayDeque<String> preload = new ArrayDeque<>();
    private final Executor executor;
    private final Listener listener;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Source offsets below which this client already has the events (it resumed from an offset cursor). */
    private volatile java.util.Map<String, Long> skipBelow;

    ClientSession(String id, Connection connection, ConnectOptions options, int capacity, int maxBatchBytes,
                  Executor executor, Listener listener) {
        this.id = id;
        this.connection = connection;
        this.filter = options.filter();
        this.batch = options.batch();
        this.maxBatchBytes = maxBatchBytes;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.executor = executor;
        this.listener = listener;
    }

    void skipBelow(java.util.Map<String, Long> offsets) {
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
    void preload(List<String> frames) {
        synchronized (preload) {
            preload.addAll(frames);
        }
    }

    /** Queues one message; closes the client as too slow when its queue is full. Never blocks. */
    void enqueue(String frame) {
        if (closing.get()) {
            return;
        }
        if (!queue.offer(frame)) {
            if (closing.compareAndSet(false, true)) {
                queue.clear();
                listener.overflowed(this);
            }
            return;
        }
        schedule();
    }

    /** Stops sending; what is queued is dropped. Returns false when it was already closing. */
    boolean markClosing() {
        boolean first = closing.compareAndSet(false, true);
        queue.clear();
        synchronized (preload) {
            preload.clear();
        }
        return first;
    }

    void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        List<String> pending = new ArrayList<>();
        try {
            while (true) {
                pending.clear();
                synchronized (preload) {
                    while (!preload.isEmpty() && pending.size() < 1024) {
                        pending.add(preload.pollFirst());
                    }
                }
                if (pending.isEmpty()) {
                    queue.drainTo(pending, 1024);
                }
                if (pending.isEmpty() || closing.get()) {
                    scheduled.set(false);
                    // Something may have been queued between the drain and the flag: go on if we win it back.
                    if (closing.get() || queueEmpty() || !scheduled.compareAndSet(false, true)) {
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

    private boolean queueEmpty() {
        synchronized (preload) {
            return preload.isEmpty() && queue.isEmpty();
        }
    }

    private void write(List<String> frames) throws Exception {
        if (!batch || frames.size() == 1) {
            for (String f : frames) {
                if (closing.get()) {
                    return;
                }
                connection.send(f);
            }
            listener.sent(this, frames.size(), frames.size());
            return;
        }
        StringBuilder sb = new StringBuilder(Math.min(maxBatchBytes, frames.size() * 512));
        int inFrame = 0;
        int framesWritten = 0;
        for (String f : frames) {
            if (inFrame > 0 && sb.length() + 1 + f.length() > maxBatchBytes) {
                connection.send(sb.toString());
                framesWritten++;
                sb.setLength(0);
                inFrame = 0;
            }
            if (inFrame > 0) {
                sb.append('\n');
            }
            sb.append(f);
            inFrame++;
        }
        connection.send(sb.toString());
        listener.sent(this, frames.size(), framesWritten + 1);
    }
}
