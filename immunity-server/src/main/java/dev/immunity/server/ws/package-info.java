/** The WebSocket endpoints: the HTTP port's and the stream port, sharing the upgrade checks and client messages. */
package dev.immunity.server.ws;
