/** Notifications: routes to Slack, Teams and generic webhooks, with retries, digests and once-only delivery. */
package dev.immunity.server.notify;
