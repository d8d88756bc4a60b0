/** Signing in from the command line: OIDC authorization code with PKCE or device grant, and the stored tokens. */
package dev.immunity.cli.auth;
