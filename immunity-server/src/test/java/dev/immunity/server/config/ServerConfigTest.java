package dev.immunity.server.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigTest {

    @Test
    void defaults_matchTheDocumentedOnes() {
        ServerSettings s = ServerConfig.load(Map.of(), Map.of());
        assertThat(s.port()).isEqualTo(8001);
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.demo()).isFalse();
        assertThat(s.stream().heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.stream().queueCapacity()).isEqualTo(4096);
        assertThat(s.auth().enabled()).isFalse();
        assertThat(s.trigger().enabled()).isTrue();
        assertThat(s.streamPort()).isEqualTo(-1);
        assertThat(s.ws().writeDelay()).isZero();
        assertThat(s.ws().transport()).isEqualTo(dev.immunity.server.ws.WsSettings.IoTransport.AUTO);
        assertThat(s.ws().deflate()).isFalse();
    }

    @Test
    void trigger_isOnOnlyWithTheInMemorySource_unlessSetExplicitly() {
        assertThat(ServerConfig.load(Map.of(), Map.of("IMMUNITY_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"))
                .trigger().enabled()).isFalse();
        assertThat(ServerConfig.load(Map.of(), Map.of("IMMUNITY_REDIS_URI", "redis://localhost:6379"))
                .trigger().enabled()).isFalse();
        assertThat(ServerConfig.load(Map.of(), Map.of("IMMUNITY_REDIS_URI", "redis://localhost:6379",
                "IMMUNITY_TRIGGER_ENABLED", "true")).trigger().enabled()).isTrue();
        assertThat(ServerConfig.load(Map.of(), Map.of("IMMUNITY_TRIGGER_ENABLED", "false")).trigger().enabled()).isFalse();
    }

    @Test
    void auth_issuerAloneMeansDiscovery_andSignInNeedsAnIssuer() {
        var auth = ServerConfig.load(Map.of(), Map.of("IMMUNITY_AUTH_ISSUER", "https://idp.example/realms/sec",
                "IMMUNITY_AUTH_OIDC_CLIENT_ID", "immunity", "IMMUNITY_AUTH_OIDC_SCOPES", "profile offline_access")).auth();
        assertThat(auth.enabled()).isTrue();
        assertThat(auth.remoteKeys()).isTrue();
        assertThat(auth.oidc().scopes()).containsExactly("openid", "profile", "offline_access");
        assertThat(auth.clockSkew()).isEqualTo(Duration.ofSeconds(60));

        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_AUTH_OIDC_CLIENT_ID", "immunity")))
                .hasMessageContaining("immunity.auth.issuer");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_AUTH_JWKS_URI", "ftp://idp.example/keys")))
                .hasMessageContaining("immunity.auth.jwks-uri");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_AUTH_ISSUER", "https://idp.example",
                "IMMUNITY_AUTH_MAX_TOKEN_LIFETIME", "forever"))).hasMessageStartingWith("immunity.auth.max-token-lifetime:");
    }

    @Test
    void streamPort_andWriteDelay_areReadAndChecked() {
        ServerSettings s = ServerConfig.load(Map.of(), Map.of("IMMUNITY_STREAM_PORT", "0", "IMMUNITY_WS_WRITE_DELAY", "20ms"));
        assertThat(s.streamPort()).isZero();
        assertThat(s.ws().writeDelay()).isEqualTo(Duration.ofMillis(20));
        assertThat(ServerConfig.load(Map.of(), Map.of("IMMUNITY_WS_WRITE_DELAY", "0")).ws().writeDelay()).isZero();
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_STREAM_PORT", "70000")))
                .hasMessageStartingWith("immunity.stream-port:");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_WS_WRITE_DELAY", "5s")))
                .hasMessageStartingWith("immunity.ws.write-delay:").hasMessageContaining("at most 1000ms");
    }

    @Test
    void streamPortTransport_andDeflate_areReadAndChecked() {
        ServerSettings s = ServerConfig.load(Map.of(), Map.of("IMMUNITY_WS_TRANSPORT", "io-uring", "IMMUNITY_WS_DEFLATE", "true"));
        assertThat(s.ws().transport()).isEqualTo(dev.immunity.server.ws.WsSettings.IoTransport.IO_URING);
        assertThat(s.ws().deflate()).isTrue();
        assertThat(ServerConfig.load(Map.of(), Map.of("IMMUNITY_WS_TRANSPORT", "NIO")).ws().transport())
                .isEqualTo(dev.immunity.server.ws.WsSettings.IoTransport.NIO);
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_WS_TRANSPORT", "kqueue")))
                .hasMessageStartingWith("immunity.ws.transport:").hasMessageContaining("auto, epoll, io_uring or nio");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_WS_DEFLATE", "maybe")))
                .hasMessageStartingWith("immunity.ws.deflate:");
    }

    @Test
    void environmentVariables_overrideDefaults_andCommandLineOverridesThem() {
        Map<String, String> env = Map.of("IMMUNITY_PORT", "9100", "IMMUNITY_STREAM_QUEUE_CAPACITY", "10",
                "IMMUNITY_STREAM_HEARTBEAT_INTERVAL", "500ms", "IMMUNITY_WS_ALLOWED_ORIGINS", "https://a.example, https://b.example");
        ServerSettings s = ServerConfig.load(Map.of("immunity.port", "9200"), env);
        assertThat(s.port()).isEqualTo(9200);
        assertThat(s.stream().queueCapacity()).isEqualTo(10);
        assertThat(s.stream().heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.ws().allowedOrigins()).containsExactly("https://a.example", "https://b.example");
    }

    @Test
    void configFile_isReadBelowTheEnvironment(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("immunity.yaml");
        Files.writeString(file, "immunity:\n  port: 9300\n  demo:\n    enabled: true\n");
        ServerSettings s = ServerConfig.load(Map.of(), Map.of("IMMUNITY_CONFIG", file.toString(), "IMMUNITY_PORT", "9400"));
        assertThat(s.port()).isEqualTo(9400);
        assertThat(s.demo()).isTrue();
    }

    @Test
    void wrongValues_failNamingTheKey() {
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_PORT", "eighty")))
                .hasMessageStartingWith("immunity.port:");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_STREAM_HEARTBEAT_INTERVAL", "soon")))
                .hasMessageStartingWith("immunity.stream.heartbeat-interval:");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_AUTH_HS256_SECRET", "short")))
                .hasMessageContaining("immunity.auth.hs256-secret");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_METRICS_MTTR_BASIS", "closed")))
                .hasMessageStartingWith("immunity.metrics.mttr-basis:");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("IMMUNITY_CONFIG", "/nonexistent/immunity.yaml")))
                .hasMessageStartingWith("immunity.config:");
    }

    @Test
    void readme_documentsEveryKeyWithItsEnvironmentVariableAndDefault() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (ConfigKeys.Key key : ConfigKeys.ALL.values()) {
            String row = readme.lines().filter(l -> l.startsWith("| `" + key.name() + "` |")).findFirst()
                    .orElseThrow(() -> new AssertionError("README has no configuration row for " + key.name()));
            assertThat(row).contains("`" + key.env() + "`");
            if (key.defaultValue() != null && !key.defaultValue().isEmpty()) {
                assertThat(row).contains("`" + key.defaultValue() + "`");
            }
        }
    }
}
