/** MTTR, patch success rate, APVs per hour and the per-minute series, computed incrementally from the events. */
package dev.immunity.core.metrics;
