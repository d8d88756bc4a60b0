/** The latest state per CVE and per patch, bounded by count and memory, relevance first. */
package dev.immunity.core.store;
