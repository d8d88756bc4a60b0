// The stream client: WebSocket with resume, backoff and a REST polling fallback.
// Protocol: docs/stream-protocol.md (hello first, snapshot or resume, cursor, close codes, ndjson batching).

export const WS_PATH = "/ws/adaptive-immunity";
export const API = "/api/adaptive-immunity";
const POLL_MS = 5000;
const BACKOFF_START_MS = 500;
const BACKOFF_CAP_MS = 30000;
const TOKEN_KEY = "immunity.token";

/**
 * Status values given to onStatus: {state, label, detail}. state is one of
 * connecting, connected, reconnecting, polling, disconnected.
 *
 * Callbacks: onMessage(envelope, source) for every envelope ("ws" or "poll"); onReset() when the held
 * state must be dropped (a snapshot follows); onStatus(status); onHello(payload); onNeedToken(reason).
 */
export class StreamClient {
  constructor({ onMessage, onReset, onStatus, onHello, onNeedToken }) {
    Object.assign(this, { onMessage, onReset, onStatus, onHello, onNeedToken });
    this.filters = { priority: [], service: "" };
    this.cursor = null;
    this.ws = null;
    this.retry = 0;
    this.retryTimer = null;
    this.retryAt = 0;
    this.pollTimer = null;
    this.polling = false;
    this.lastFrameAt = 0;
    this.heartbeatMs = 30000;
    this.stopped = true;
    this.status = null;
    setInterval(() => this.tick(), 1000);
    window.addEventListener("online", () => this.reconnectNow());
  }

  get token() {
    return this.tokenSource ? this.tokenSource() : sessionStorage.getItem(TOKEN_KEY) || "";
  }

  /** Where the token comes from when the page signed in (OIDC); else the pasted one in sessionStorage. */
  useTokenSource(source) {
    this.tokenSource = source;
  }

  /**
   * A renewed token: sent in-band on the open stream, which carries on without reconnecting
   * ({"type":"auth"}, answered by auth_ok); with no open stream it is used by the next connection.
   */
  renewToken(token) {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "auth", token }));
  }

  setToken(token) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    this.reconnectNow();
  }

  /** New filters: the server applies them; the held state is dropped and a fresh snapshot asked for. */
  setFilters(filters) {
    this.filters = filters;
    this.cursor = null;
    this.onReset();
    this.reconnectNow();
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  reconnectNow() {
    this.stopped = false;
    this.retry = 0;
    this.drop();
    this.connect();
  }

  // --- WebSocket ---------------------------------------------------------------------------------

  wsUrl() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = new URL(proto + "//" + location.host + WS_PATH);
    if (this.cursor) url.searchParams.set("cursor", this.cursor);
    this.addFilters(url.searchParams);
    url.searchParams.set("batch", "ndjson");
    return url;
  }

  addFilters(params) {
    if (this.filters.priority.length) params.set("priority", this.filters.priority.join(","));
    if (this.filters.service) params.set("service", this.filters.service);
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.stopped) return;
    if (!this.polling) this.setStatus(this.retry ? "reconnecting" : "connecting", this.retry ? "reconnecting" : "connecting");
    const protocols = ["immunity.v1"];
    if (this.token) protocols.push("bearer." + this.token);
    let ws;
    try {
      ws = new WebSocket(this.wsUrl(), protocols);
    } catch (e) {
      this.failed(false, 1006);
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => { opened = true; this.lastFrameAt = Date.now(); };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      for (const line of String(e.data).split("\n")) {
        if (!line) continue;
        let msg;
        try { msg = JSON.parse(line); } catch { console.warn("immunity: ignored a message that is not JSON"); continue; }
        this.handle(msg);
      }
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failed(opened, e.code);
    };
  }

  handle(msg) {
    if (!msg || typeof msg.type !== "string") return;
    if (msg.type === "hello") {
      const p = msg.payload || {};
      if (p.mode === "snapshot") this.onReset();
      this.cursor = p.cursor || msg.cursor || this.cursor;
      this.heartbeatMs = (p.heartbeat_interval_seconds || 30) * 1000;
      this.retry = 0;
      this.stopPolling();
      this.setStatus("connected", "connected", p.mode === "resume" ? "resumed" : "live");
      this.onHello(p);
      return;
    }
    if (msg.type === "auth_ok") { this.renewals = (this.renewals || 0) + 1; }
    if ((msg.type === "apv" || msg.type === "patch") && msg.cursor) this.cursor = msg.cursor;
    this.onMessage(msg, "ws");
  }

  /** The connection ended (opened: whether it ever opened). Decide what to do from the close code. */
  async failed(opened, code) {
    if (this.stopped) return;
    if (opened) {
      if (code === 1000) { this.setStatus("disconnected", "disconnected", "the server closed the stream"); return; }
      if (code === 4001) { this.retry = 0; this.connect(); return; } // too slow: reconnect at once and resume
      if (code === 1008) { if (await this.needsToken()) return; }
      this.scheduleReconnect();
      return;
    }
    // Never opened: a refused upgrade (401 when a token is needed) looks like 1006 to a page,
    // so ask the REST API, with the token, to tell "needs a token" from "WebSocket unreachable" from "server down".
    const probe = await this.probe();
    if (this.stopped || this.ws) return;
    if (probe === 401) { this.needToken("This server requires a token."); return; }
    if (probe === "ok") {
      this.startPolling();
      this.scheduleReconnect();
      return;
    }
    this.stopPolling();
    this.scheduleReconnect();
  }

  async needsToken() {
    if ((await this.probe()) === 401) { this.needToken("The token was refused or has expired."); return true; }
    return false;
  }

  needToken(reason) {
    this.stopped = true;
    this.stopPolling();
    this.setStatus("disconnected", "disconnected", "token needed");
    this.onNeedToken(reason);
  }

  async probe() {
    try {
      const r = await this.fetch(API + "/metrics");
      if (r.status === 401) return 401;
      return r.ok ? "ok" : "down";
    } catch {
      return "down";
    }
  }

  scheduleReconnect(delayMs) {
    clearTimeout(this.retryTimer);
    const delay = delayMs ?? Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** this.retry) * (0.5 + Math.random() / 2);
    this.retry++;
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.tick();
  }

  drop() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) try { ws.close(); } catch { /* already closing */ }
  }

  /** Once a second: the reconnect countdown, and the heartbeat watchdog (silence for twice the interval = dead). */
  tick() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && Date.now() - this.lastFrameAt > 2 * this.heartbeatMs) {
      this.drop();
      this.scheduleReconnect();
    }
    if (!this.retryTimer) return;
    const s = Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000));
    if (this.polling) this.setStatus("polling", "polling", "WebSocket retry in " + s + " s");
    else this.setStatus("reconnecting", "reconnecting in " + s + " s");
  }

  setStatus(state, label, detail = "") {
    const s = { state, label, detail };
    if (this.status && this.status.state === state && this.status.label === label && this.status.detail === detail) return;
    this.status = s;
    this.onStatus(s);
  }

  // --- REST polling fallback ---------------------------------------------------------------------

  fetch(path) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = "Bearer " + this.token;
    return fetch(path, { headers, cache: "no-store" });
  }

  startPolling() {
    if (this.polling) return;
    this.polling = true;
    this.setStatus("polling", "polling");
    this.poll();
  }

  stopPolling() {
    this.polling = false;
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  async poll() {
    if (!this.polling) return;
    try {
      await this.pollOnce();
    } catch (e) {
      console.warn("immunity: polling failed, will retry", e && e.message);
    }
    if (this.polling) this.pollTimer = setTimeout(() => this.poll(), POLL_MS);
  }

  async pollOnce() {
    const params = new URLSearchParams();
    this.addFilters(params);
    let fresh = !this.cursor;
    let r;
    if (!fresh) {
      params.set("since", this.cursor);
      params.set("limit", "500");
      r = await this.fetch(API + "/apvs?" + params);
      if (r.status === 410) { fresh = true; params.delete("since"); }
    }
    if (fresh) {
      params.set("limit", "200");
      r = await this.fetch(API + "/apvs?" + params);
    }
    if (r.status === 401) { this.needToken("This server requires a token."); return; }
    if (!r.ok) throw new Error("HTTP " + r.status);
    const apvs = await r.json();
    if (!this.polling) return; // the WebSocket came back meanwhile: it has the stream now
    if (fresh) this.onReset();
    const cursor = r.headers.get("X-Immunity-Cursor");
    // Lists come newest first; the page, like the stream, applies them oldest first.
    for (const apv of apvs.reverse()) this.onMessage({ type: "apv", payload: apv, snapshot: fresh || undefined }, "poll");
    const pr = await this.fetch(API + "/patches?limit=100");
    if (pr.ok) for (const p of (await pr.json()).reverse()) this.onMessage({ type: "patch", payload: p }, "poll");
    const mr = await this.fetch(API + "/metrics");
    if (mr.ok) this.onMessage({ type: "metrics", payload: await mr.json() }, "poll");
    if (cursor && this.polling) this.cursor = cursor;
  }
}
