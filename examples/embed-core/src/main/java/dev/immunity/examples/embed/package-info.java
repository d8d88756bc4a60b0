/** An example: a service embedding immunity-core (store, stream manager, metrics, SLA clock) with Jackson as its only other dependency. */
package dev.immunity.examples.embed;
