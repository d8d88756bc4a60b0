/** The {@code immunity} command line (picocli): serve, watch, trigger, the REST queries, sla, notify, login, bench. */
package dev.immunity.cli;
