/** The Kafka adapter: reads the APV and patches topics into the stream, dead-letters what it cannot read. Needs kafka-clients (optional in the core). */
package dev.immunity.core.kafka;
