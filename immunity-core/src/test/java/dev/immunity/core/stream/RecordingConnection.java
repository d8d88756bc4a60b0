package dev.immunity.core.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.immunity.core.json.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A {@link Connection} for tests: records what it is sent; can be made to block like a stalled client. */
final class RecordingConnection implements Connection {
    final List<String> frames = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The arrays as handed over, to check that every client gets the same one. */
    final List<byte[]> raw = java.util.Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final CountDownLatch unblock;
    volatile boolean aborted;

    RecordingConnection() {
        this(null);
    }

    /** A connection whose sends block until {@code unblock} opens. */
    RecordingConnection(CountDownLatch unblock) {
        this.unblock = unblock;
    }

    @Override
    public void send(byte[] utf8) throws IOException {
        if (unblock != null) {
            try {
                if (!unblock.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("test client never unblocked");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
        if (aborted) {
            throw new IOException("aborted");
        }
        raw.add(utf8);
        frames.add(new String(utf8, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void close(int code, String reason) {
        closed.complete(code);
    }

    @Override
    public void abort() {
        aborted = true;
        closed.complete(-1);
    }

    /** Every envelope received so far, batched frames split. */
    List<JsonNode> messages() {
        List<JsonNode> out = new ArrayList<>();
        synchronized (frames) {
            for (String f : frames) {
                for (String line : f.split("\n")) {
                    out.add(Json.parse(line));
                }
            }
        }
        return out;
    }

    List<JsonNode> messages(String type) {
        return messages().stream().filter(m -> type.equals(m.path("type").asText())).toList();
    }
}
