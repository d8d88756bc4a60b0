/** The demo stream of {@code serve --demo}: a Poisson stream of new APVs and their patch lifecycles, with an hour of history seeded at start. */
package dev.immunity.core.demo;
