/** The REST API under /api/adaptive-immunity, the trigger, and the HTTP filters and limits around them. */
package dev.immunity.server.rest;
