/** JWT verification (nimbus-jose-jwt), remote keys and OIDC discovery, in-band token renewal. */
package dev.immunity.server.auth;
