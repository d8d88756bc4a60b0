/**
 * Synthetic events: completing a partial APV (the test trigger, the bench), a patch lifecycle with its diff for an
 * APV, and the catalogue of packages, vulnerability kinds and services they draw on. Used by the demo and by
 * whatever needs plausible APVs; no production event passes through here.
 */
package dev.immunity.core.synth;
