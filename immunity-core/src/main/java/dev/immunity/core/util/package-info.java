/** Small helpers the adapters and clients share: the reconnect backoff. */
package dev.immunity.core.util;
