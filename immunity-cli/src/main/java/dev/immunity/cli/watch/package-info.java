/** {@code immunity watch}: the stream client with reconnect and resume, and the JLine dashboard it drives. */
package dev.immunity.cli.watch;
