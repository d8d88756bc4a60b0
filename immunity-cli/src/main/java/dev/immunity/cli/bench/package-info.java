/** {@code immunity bench}: many stream clients and an open-loop event schedule, measuring delivery, loss and latency. */
package dev.immunity.cli.bench;
