package dev.immunity.server.support;

import dev.immunity.server.ImmunityServer;

import java.net.URI;

/** The two ways a server serves the stream: on its HTTP port (Helidon), and on its own stream port (Netty). */
public enum Transport {
    HTTP_PORT, STREAM_PORT;

    /** The port of this transport (the server must have been started with a stream port). */
    public int port(TestServer server) {
        int port = this == HTTP_PORT ? server.server.port() : server.server.streamPort();
        if (port < 0) {
            throw new IllegalStateException("this test server has no stream port: start it withStreamPort(0)");
        }
        return port;
    }

    public URI ws(TestServer server, String query) {
        return URI.create("ws://127.0.0.1:" + port(server) + ImmunityServer.WS_PATH + (query == null ? "" : "?" + query));
    }
}
