/** The JSON codec and the wire format: the producers' Kafka messages (docs/wire-format.md) read strictly, with clear errors. */
package dev.immunity.core.json;
