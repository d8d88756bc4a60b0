/** Configuration: keys, environment variables and the YAML file, read into settings with clear errors. */
package dev.immunity.server.config;
