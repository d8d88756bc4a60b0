package dev.immunity.cli.bench;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/** Opens bench connections: the JDK's WebSocket client, or Netty's (cheaper per message). */
interface Connector extends AutoCloseable {
    /** Opens a connection that feeds {@code client}; completes once the upgrade is answered. */
    CompletableFuture<Handle> connect(URI ws, BenchClient client);

    /** An open connection. */
    interface Handle {
        /** Drops the connection at once. */
        void abort();
    }

    @Override
    void close();
}
