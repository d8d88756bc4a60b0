package dev.immunity.cli.bench;

import java.util.concurrent.CompletableFuture;

/** Publishes one bench event (an APV in the producers' JSON format) to the system under test. */
interface EventSender extends AutoCloseable {
    /** Sends; the future completes when the publish was accepted, exceptionally when it was not. */
    CompletableFuture<Void> send(String cveId, String apvJson);

    /** What the events go through, for the report. */
    String describe();

    @Override
    default void close() {
    }
}
