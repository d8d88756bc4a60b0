/** The stream manager: fan-out to clients with bounded queues, history and cursors for resume, filters. */
package dev.immunity.core.stream;
