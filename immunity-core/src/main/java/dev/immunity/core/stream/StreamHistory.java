package dev.immunity.core.stream;

import dev.immunity.core.model.Event;
import dev.immunity.core.model.Priority;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A bounded, ordered history of serialized stream messages, and the cursors that point into it.
 * Not thread-safe: the {@link StreamManager} guards it.
 *
 * <p>Two kinds of position:
 * <ul>
 *   <li><b>In memory</b> (events published by code): a sequence number in this process's history;
 *       the cursor is {@code <epoch>-<seq>}, and a restarted process has another epoch.</li>
 *   <li><b>Source offsets</b> (events read from Kafka): every event has a partition and an offset; the
 *       cursor is the next offset of every partition ({@code k.<topics>.<partition>-<offset>…}), so it
 *       means the same on every instance reading those topics and across restarts.</li>
 * </ul>
 */
final class StreamHistory {
    /**
     * One message: its event, what filters match it on, its partition and offset (or null, -1), and its frame. The
     * frame is built on first use: a rebuild appends hundreds of thousands of events that nobody is connected to
     * receive and that mostly leave the history before anyone resumes over them. The cursor the frame carries
     * (the one after this event) is kept as the offsets it names, so a late frame is the same as an early one.
     */
    final class Entry {
        private final long seq;
        private final Event event;
        private final Priority priority;
        private final List<String> services;
        private final String partition;
        private final long offset;
        private final String cursor;
        private final String[] cursorPartitions;
        private final long[] cursorOffsets;
        private Function<String, byte[]> framer;
        private byte[] frame;
        private final long weight;

        private Entry(long seq, Event event, Priority priority, List<String> services, String partition, long offset,
                      String cursor, String[] cursorPartitions, long[] cursorOffsets, Function<String, byte[]> framer,
                      int sizeHint) {
            this.seq = seq;
            this.event = event;
            this.priority = priority;
            this.services = services;
            this.partition = partition;
            this.offset = offset;
            this.cursor = cursor;
            this.cursorPartitions = cursorPartitions;
            this.cursorOffsets = cursorOffsets;
            this.framer = framer;
            this.weight = 2L * (sizeHint > 0 ? sizeHint + ENVELOPE_BYTES : frame().length);
        }

        long seq() {
            return seq;
        }

        Event event() {
            return event;
        }

        Priority priority() {
            return priority;
        }

        List<String> services() {
            return services;
        }

        String partition() {
            return partition;
        }

        long offset() {
            return offset;
        }

        /** The serialized message, built now if it was not yet (the caller holds the history's lock). */
        byte[] frame() {
            if (frame == null) {
                frame = framer.apply(cursor != null ? cursor : offsetCursor(cursorPartitions, cursorOffsets));
                framer = null;
            }
            return frame;
        }
    }

    /** What an event's envelope adds to its payload, roughly, for entries counted before their frame exists. */
    private static final int ENVELOPE_BYTES = 160;

    /** What a client resuming from a cursor gets: the missed entries and, for offset cursors, what to skip live. */
    record Resume(List<Entry> missed, Map<String, Long> skipBelow) {
    }

    private final String epoch;
    private final int capacity;
    private final long maxBytes;
    private long bytes;
    private final ArrayDeque<Entry> entries;
    private long lastSeq;

    // Offset mode: the topics' fingerprint, the next offset of every partition, and where history is complete.
    private String topics;
    private final Map<String, Long> next = new LinkedHashMap<>();
    private final Map<String, Long> complete = new LinkedHashMap<>();
    /** The keys of {@link #next} in order, kept with each entry's offsets (rebuilt when a partition is added). */
    private String[] partitionNames = new String[0];

    StreamHistory(String epoch, int capacity) {
        this(epoch, capacity, Long.MAX_VALUE);
    }

    /** @param maxBytes budget for the kept entries, counting each as twice its frame (the frame and the event) */
    StreamHistory(String epoch, int capacity, long maxBytes) {
        this.epoch = epoch;
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.entries = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    boolean offsetMode() {
        return topics != null;
    }

    /**
     * Switches to offset cursors for the given partitions, whose history is complete from the given offsets
     * (where reading started). Partitions already known keep their positions.
     */
    void assign(String topicsFingerprint, Map<String, Long> startOffsets) {
        if (topics != null && !topics.equals(topicsFingerprint)) {
            throw new IllegalStateException("history already follows other topics");
        }
        topics = topicsFingerprint;
        startOffsets.forEach((partition, start) -> {
            next.putIfAbsent(partition, start);
            complete.putIfAbsent(partition, start);
        });
    }

    /** Records that a source record was read without producing an event (a duplicate or a poison record). */
    void skip(String partition, long offset) {
        next.merge(partition, offset + 1, Math::max);
    }

    /** Whether this source record was already read. */
    boolean seen(String partition, long offset) {
        Long n = next.get(partition);
        return n != null && offset < n;
    }

    /** The cursor after the newest event. */
    String cursor() {
        if (!offsetMode()) {
            return new Cursor(epoch, lastSeq).toString();
        }
        return offsetCursor(names(), offsets());
    }

    private String offsetCursor(String[] partitions, long[] offsets) {
        StringBuilder sb = new StringBuilder("k.").append(topics);
        for (int i = 0; i < partitions.length; i++) {
            sb.append('.').append(partitions[i]).append('-').append(offsets[i]);
        }
        return sb.toString();
    }

    private String[] names() {
        if (partitionNames.length != next.size()) {
            partitionNames = next.keySet().toArray(String[]::new);
        }
        return partitionNames;
    }

    private long[] offsets() {
        long[] out = new long[next.size()];
        int i = 0;
        for (long o : next.values()) {
            out[i++] = o;
        }
        return out;
    }

    /**
     * Appends an event; {@code frameWithCursor} builds its frame from the cursor after it, now or (with a size
     * hint) when the frame is first used.
     *
     * @param sizeHint the event's size in bytes as read (its frame is about that plus the envelope), or 0 to
     *                 build the frame now and count it exactly
     */
    Entry append(Event event, Priority priority, List<String> services, String partition, long offset,
                 Function<String, byte[]> frameWithCursor, int sizeHint) {
        lastSeq++;
        if (partition != null) {
            next.merge(partition, offset + 1, Math::max);
        }
        Entry e = offsetMode()
                ? new Entry(lastSeq, event, priority, services, partition, offset, null, names(), offsets(),
                frameWithCursor, sizeHint)
                : new Entry(lastSeq, event, priority, services, partition, offset, cursor(), null, null,
                frameWithCursor, sizeHint);
        entries.addLast(e);
        bytes += e.weight;
        while (entries.size() > capacity || (bytes > maxBytes && entries.size() > 1)) {
            Entry dropped = entries.removeFirst();
            bytes -= dropped.weight;
            if (dropped.partition() != null) {
                complete.merge(dropped.partition(), dropped.offset() + 1, Math::max);
            }
        }
        return e;
    }

    /**
     * What a client missed since {@code cursorText}, oldest first; empty when it cannot be resumed (see
     * {@link #whyNot}).
     */
    Optional<Resume> after(String cursorText) {
        if (cursorText == null) {
            return Optional.empty();
        }
        if (!offsetMode()) {
            Optional<Cursor> c = Cursor.parse(cursorText);
            if (c.isEmpty() || !c.get().epoch().equals(epoch) || c.get().seq() > lastSeq) {
                return Optional.empty();
            }
            long firstKept = entries.isEmpty() ? lastSeq + 1 : entries.peekFirst().seq();
            if (c.get().seq() < firstKept - 1) {
                return Optional.empty();
            }
            List<Entry> out = new ArrayList<>();
            var it = entries.descendingIterator();
            while (it.hasNext()) {
                Entry e = it.next();
                if (e.seq() <= c.get().seq()) {
                    break;
                }
                out.add(e);
            }
            Collections.reverse(out);
            return Optional.of(new Resume(out, null));
        }
        Optional<Map<String, Long>> offsets = parseOffsets(cursorText);
        if (offsets.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Long> from = offsets.get();
        for (var c : complete.entrySet()) {
            if (from.getOrDefault(c.getKey(), 0L) < c.getValue()) {
                return Optional.empty();
            }
        }
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.offset() >= from.getOrDefault(e.partition(), 0L)) {
                out.add(e);
            }
        }
        return Optional.of(new Resume(out, from));
    }

    /** Why {@link #after} could not resume a cursor. */
    String whyNot(String cursorText) {
        if (!offsetMode()) {
            Optional<Cursor> c = Cursor.parse(cursorText);
            if (c.isEmpty()) {
                return "not a cursor of this stream";
            }
            if (!c.get().epoch().equals(epoch)) {
                return "cursor is from another stream history (the server restarted or is another instance)";
            }
            return c.get().seq() > lastSeq ? "cursor is ahead of this stream" : "cursor is older than the history kept";
        }
        if (parseOffsets(cursorText).isEmpty()) {
            return cursorText.startsWith("k.") ? "cursor is for other topics" : "not a cursor of this stream";
        }
        return "cursor is older than the history kept";
    }

    private Optional<Map<String, Long>> parseOffsets(String text) {
        if (text.length() > 4096 || !text.startsWith("k.")) {
            return Optional.empty();
        }
        String[] parts = text.split("\\.");
        if (parts.length < 2 || !parts[1].equals(topics)) {
            return Optional.empty();
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 2; i < parts.length; i++) {
            int dash = parts[i].lastIndexOf('-');
            if (dash <= 0) {
                return Optional.empty();
            }
            try {
                long o = Long.parseLong(parts[i].substring(dash + 1));
                if (o < 0) {
                    return Optional.empty();
                }
                out.put(parts[i].substring(0, dash), o);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.of(out);
    }
}
