package dev.immunity.core.stream;

import dev.immunity.core.model.Event;
import dev.immunity.core.model.Priority;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A bounded, ordered history of serialized stream messages, each with its sequence number. Not thread-safe. */
final class StreamHistory {
    /** One message: its sequence number, its event, what filters match it on, and its frame (serialized once). */
    record Entry(long seq, Event event, Priority priority, List<String> services, String frame) {
    }

    private final String epoch;
    private final int capacity;
    private final ArrayDeque<Entry> entries;
    private long lastSeq;

    StreamHistory(String epoch, int capacity) {
        this.epoch = epoch;
        this.capacity = capacity;
        this.entries = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    String epoch() {
        return epoch;
    }

    long lastSeq() {
        return lastSeq;
    }

    Cursor cursor() {
        return new Cursor(epoch, lastSeq);
    }

    /** The cursor the next appended message will carry. */
    Cursor nextCursor() {
        return new Cursor(epoch, lastSeq + 1);
    }

    void append(Event event, Priority priority, List<String> services, String frame) {
        lastSeq++;
        entries.addLast(new Entry(lastSeq, event, priority, services, frame));
        if (entries.size() > capacity) {
            entries.removeFirst();
        }
    }

    /**
     * The messages after {@code cursor}, oldest first; empty when the cursor is from another history
     * or older than the history kept (the client then needs a snapshot).
     */
    Optional<List<Entry>> after(Cursor cursor) {
        if (!cursor.epoch().equals(epoch) || cursor.seq() > lastSeq) {
            return Optional.empty();
        }
        long firstKept = entries.isEmpty() ? lastSeq + 1 : entries.peekFirst().seq();
        if (cursor.seq() < firstKept - 1) {
            return Optional.empty();
        }
        List<Entry> out = new ArrayList<>((int) (lastSeq - cursor.seq()));
        var it = entries.descendingIterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.seq() <= cursor.seq()) {
                break;
            }
            out.add(e);
        }
        java.util.Collections.reverse(out);
        return Optional.of(out);
    }
}
