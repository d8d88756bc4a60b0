/** The remediation SLA clock: policy per priority, states and live transitions, the open backlog, ownership. */
package dev.immunity.core.sla;
