// Sign-in with OpenID Connect: the authorization code flow with PKCE (S256), as a public client (no secret
// in the page). The server says where to sign in (GET /api/adaptive-immunity/auth/config); the identity
// provider's discovery document gives the endpoints. Tokens live in sessionStorage (this tab only) and are
// renewed before they expire: with the refresh token when there is one, else by signing in again.

const SESSION = "immunity.oidc";          // {access_token, refresh_token, id_token, expires_at (ms)}
const PENDING = "immunity.oidc.pending";  // {state, verifier, return_to} while at the provider
const RENEW_BEFORE_MS = 60000;            // renew a minute before expiry, or at 3/4 of a short lifetime

function b64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(n = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function challenge(verifier) {
  return b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

function read(key) {
  try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch { return null; }
}

/** The page's URL without the parameters the provider adds on the way back. */
function redirectUri() {
  return location.origin + location.pathname;
}

export class OidcSession {
  /** config: {issuer, client_id, scopes}; onToken(token, renewed) whenever a new access token is in hand. */
  constructor(config, { onToken, onError }) {
    Object.assign(this, { config, onToken, onError });
    this.provider = null;
    this.renewTimer = null;
    this.renewals = 0;
  }

  get token() {
    const s = read(SESSION);
    return s && s.access_token ? s.access_token : "";
  }

  async discover() {
    if (this.provider) return this.provider;
    const r = await fetch(this.config.issuer.replace(/\/$/, "") + "/.well-known/openid-configuration", { cache: "no-store" });
    if (!r.ok) throw new Error("the identity provider's discovery document answered HTTP " + r.status);
    const doc = await r.json();
    if (doc.issuer !== this.config.issuer) throw new Error("the discovery document names another issuer");
    this.provider = doc;
    return doc;
  }

  /** Goes to the provider's sign-in page; the page comes back with ?code=&state=. */
  async signIn() {
    const p = await this.discover();
    const state = random();
    const verifier = random(48);
    sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, return_to: location.search }));
    const url = new URL(p.authorization_endpoint);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", this.config.client_id);
    url.searchParams.set("redirect_uri", redirectUri());
    url.searchParams.set("scope", this.config.scopes.join(" "));
    url.searchParams.set("state", state);
    url.searchParams.set("code_challenge", await challenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
    location.assign(url.href);
  }

  /**
   * On the way back from the provider: exchanges the code (checking state) and puts the page's own query back.
   * Returns whether a token is in hand (from now or from earlier in this tab).
   */
  async resume() {
    const params = new URLSearchParams(location.search);
    const pending = read(PENDING);
    if (pending && (params.has("code") || params.has("error"))) {
      sessionStorage.removeItem(PENDING);
      history.replaceState(null, "", redirectUri() + (pending.return_to || ""));
      if (params.get("state") !== pending.state) throw new Error("sign-in answer with the wrong state: ignored");
      if (params.has("error")) throw new Error("sign-in refused: " + params.get("error"));
      const p = await this.discover();
      await this.exchange(p, {
        grant_type: "authorization_code",
        code: params.get("code"),
        redirect_uri: redirectUri(),
        client_id: this.config.client_id,
        code_verifier: pending.verifier,
      });
    }
    if (!this.token) return false;
    this.schedule();
    return true;
  }

  async exchange(p, form) {
    const r = await fetch(p.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(form),
      cache: "no-store",
    });
    if (!r.ok) throw new Error("the token endpoint answered HTTP " + r.status);
    const t = await r.json();
    if (typeof t.access_token !== "string") throw new Error("the token endpoint gave no access token");
    const old = read(SESSION) || {};
    const lifetimeMs = Number(t.expires_in) > 0 ? Number(t.expires_in) * 1000 : 300000;
    sessionStorage.setItem(SESSION, JSON.stringify({
      access_token: t.access_token,
      refresh_token: t.refresh_token || old.refresh_token || null,
      id_token: t.id_token || old.id_token || null,
      expires_at: Date.now() + lifetimeMs,
      lifetime_ms: lifetimeMs,
    }));
    return t.access_token;
  }

  /** Renews the token before it expires (refresh token, else a new sign-in). */
  schedule() {
    clearTimeout(this.renewTimer);
    const s = read(SESSION);
    if (!s) return;
    const before = Math.min(RENEW_BEFORE_MS, (s.lifetime_ms || 300000) / 4);
    const delay = Math.max(1000, s.expires_at - before - Date.now());
    this.renewTimer = setTimeout(() => this.renew(), delay);
  }

  async renew() {
    const s = read(SESSION);
    if (!s) return;
    if (!s.refresh_token) { await this.signIn(); return; }
    try {
      const token = await this.exchange(await this.discover(), {
        grant_type: "refresh_token",
        refresh_token: s.refresh_token,
        client_id: this.config.client_id,
      });
      this.renewals++;
      this.schedule();
      this.onToken(token, true);
    } catch (e) {
      this.onError("Could not renew the sign-in (" + e.message + "): sign in again.");
    }
  }

  /** Forgets the tokens, then ends the provider's session when it offers that. */
  async signOut() {
    clearTimeout(this.renewTimer);
    const s = read(SESSION) || {};
    sessionStorage.removeItem(SESSION);
    let p = null;
    try { p = await this.discover(); } catch { /* signed out here anyway */ }
    if (p && p.end_session_endpoint) {
      const url = new URL(p.end_session_endpoint);
      url.searchParams.set("client_id", this.config.client_id);
      url.searchParams.set("post_logout_redirect_uri", redirectUri());
      if (s.id_token) url.searchParams.set("id_token_hint", s.id_token);
      location.assign(url.href);
    } else {
      location.reload();
    }
  }
}
