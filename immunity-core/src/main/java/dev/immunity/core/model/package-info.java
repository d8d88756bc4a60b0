/** The events the stream carries: APVs, patches, metrics snapshots, heartbeats. */
package dev.immunity.core.model;
