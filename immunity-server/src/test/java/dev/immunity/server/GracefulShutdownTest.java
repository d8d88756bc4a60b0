package dev.immunity.server;

import dev.immunity.core.stream.CloseCodes;
import dev.immunity.server.config.ServerSettings;
import dev.immunity.server.support.TestServer;
import dev.immunity.server.support.WsTestClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.immunity.server.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM's graceful shutdown: not ready first, then 1001 to the clients a few at a time. */
class GracefulShutdownTest {

    @Test
    void readinessTurnsDownFirst_thenClientsAreClosedWith1001_spreadOverTheWindow() throws Exception {
        TestServer server = new TestServer(ServerSettings.forTests());
        List<WsTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                WsTestClient c = server.connect();
                c.next("metrics"); // connected, snapshot over
                clients.add(c);
            }
            assertThat(server.get("/observe/health/ready").statusCode()).isEqualTo(200);
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() ->
                    server.server.drainAndClose(Duration.ofSeconds(2), Duration.ofSeconds(2)));

            // During the drain delay: not ready, and every client still connected.
            await("readiness DOWN", Duration.ofSeconds(5), () -> server.get("/observe/health/ready").statusCode() == 503);
            assertThat(clients).allSatisfy(c -> assertThat(c.closeFuture().isDone()).isFalse());

            shutdown.get();
            List<Long> closedAt = new ArrayList<>();
            for (WsTestClient c : clients) {
                assertThat(c.closeCode()).isEqualTo(CloseCodes.GOING_AWAY);
                closedAt.add(c.closedAtNanos());
            }
            long spread = closedAt.stream().mapToLong(Long::longValue).max().orElseThrow()
                    - closedAt.stream().mapToLong(Long::longValue).min().orElseThrow();
            assertThat(Duration.ofNanos(spread)).as("closes spread over the window, not all at once")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        } finally {
            clients.forEach(WsTestClient::close);
            server.close();
        }
    }
}
