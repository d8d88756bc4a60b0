/** An example: a producer writing realistic APVs and patch lifecycles to Kafka in the pipeline's wire format. */
package dev.immunity.examples.kafka;
