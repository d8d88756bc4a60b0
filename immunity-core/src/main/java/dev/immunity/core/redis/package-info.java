/** The Redis adapter: a shared stream and shared metrics across instances. Needs lettuce-core (optional in the core). */
package dev.immunity.core.redis;
