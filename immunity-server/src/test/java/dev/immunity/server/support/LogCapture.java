package dev.immunity.server.support;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what is logged (after the loggers' own filters) while it is open; restores the root level on close. */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger root = Logger.getLogger("");
    private final Level before = root.getLevel();
    private final List<LogRecord> records = new ArrayList<>();

    /** @param level the root level while capturing (ALL to see everything) */
    public LogCapture(Level level) {
        root.addHandler(this);
        root.setLevel(level);
    }

    @Override
    public synchronized void publish(LogRecord r) {
        records.add(r);
    }

    /** What was logged so far. */
    public synchronized List<LogRecord> records() {
        return List.copyOf(records);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
        root.setLevel(before);
    }
}
