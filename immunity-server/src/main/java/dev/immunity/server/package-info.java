/** The Helidon SE server: WebSocket stream, REST, page, health, metrics, and their wiring. */
package dev.immunity.server;
