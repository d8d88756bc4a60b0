// Immunity live dashboard: plain ES module, no framework, no build step.
// Untrusted text is only ever set with textContent (never innerHTML). Protocol: docs/stream-protocol.md.
const MAX_APVS = 200;
const MAX_PATCHES = 100;
const state = { apvs: new Map(), patches: new Map(), cursor: null, received: 0, lastEventAt: null, retry: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function setConn(status, label) {
  const c = $("conn");
  c.className = "conn conn-" + status;
  c.textContent = label || status;
}

function fmtSeconds(s) {
  if (s === null || s === undefined) return "—";
  if (s < 90) return s.toFixed(0) + " s";
  if (s < 5400) return (s / 60).toFixed(1) + " min";
  return (s / 3600).toFixed(1) + " h";
}

function renderApvs() {
  const list = $("apvs");
  const items = [...state.apvs.values()].sort((a, b) => (b.processed_at || "").localeCompare(a.processed_at || ""));
  list.replaceChildren(...items.slice(0, MAX_APVS).map((apv) => {
    const li = el("li");
    const head = el("div", "apv-head");
    head.append(el("span", "cve", apv.cve_id),
      el("span", "badge p-" + apv.priority, apv.priority),
      el("span", "meta", apv.cvss ? "CVSS " + apv.cvss.base_score + " " + apv.cvss.severity : "no CVSS"),
      el("span", "meta", (apv.affected_services || []).join(", ")));
    const pkgs = (apv.affected_packages || []).map((p) => p.ecosystem + ":" + p.name +
      (p.fixed_versions && p.fixed_versions.length ? " → " + p.fixed_versions.join(", ") : "")).join("; ");
    li.append(head, el("p", "summary", apv.summary), el("p", "meta", pkgs + " · " + apv.recommended_strategy));
    return li;
  }));
}

function renderPatches() {
  const list = $("patches");
  const items = [...state.patches.values()].sort((a, b) => (b.updated_at || "").localeCompare(a.updated_at || ""));
  list.replaceChildren(...items.slice(0, MAX_PATCHES).map((p) => {
    const li = el("li");
    const head = el("div", "apv-head");
    head.append(el("span", "cve", p.cve_id), el("span", "badge s-" + p.status, p.status.replace("_", " ")),
      el("span", "meta", p.strategy || ""));
    li.append(head);
    if (p.pr_url && /^https?:\/\//i.test(p.pr_url)) {
      const a = el("a", null, "pull request");
      a.href = p.pr_url; a.rel = "noopener noreferrer"; a.target = "_blank";
      li.append(a);
    }
    return li;
  }));
}

function renderMetrics(m) {
  const rows = [
    ["MTTR mean", fmtSeconds(m.mttr_avg_seconds)], ["MTTR p50", fmtSeconds(m.mttr_p50_seconds)],
    ["MTTR p90", fmtSeconds(m.mttr_p90_seconds)],
    ["Success rate", m.success_rate === null ? "—" : (m.success_rate * 100).toFixed(1) + " %"],
    ["APVs / hour", m.apvs_per_hour === null ? "—" : m.apvs_per_hour],
    ["Detected", m.apvs_detected], ["Confirmed", m.apvs_confirmed], ["Applied", m.patches_applied],
  ];
  $("metrics").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
}

function handle(msg) {
  if (msg.cursor && msg.type !== "hello") state.cursor = msg.cursor;
  switch (msg.type) {
    case "hello":
      if (msg.payload.mode === "snapshot") { state.apvs.clear(); state.patches.clear(); }
      state.cursor = msg.payload.cursor;
      break;
    case "apv": state.apvs.set(msg.payload.cve_id, msg.payload); renderApvs(); break;
    case "patch": state.patches.set(msg.payload.patch_id, msg.payload); renderPatches(); break;
    case "metrics": renderMetrics(msg.payload); break;
    default: return;
  }
  if (msg.type !== "hello") { state.received++; state.lastEventAt = Date.now(); }
  $("received").textContent = state.received + " events";
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const url = new URL(proto + "//" + location.host + "/ws/adaptive-immunity");
  if (state.cursor) url.searchParams.set("cursor", state.cursor);
  setConn(state.retry ? "reconnecting" : "connecting");
  const ws = new WebSocket(url, ["immunity.v1"]);
  ws.onopen = () => { state.retry = 0; setConn("connected"); };
  ws.onmessage = (e) => { try { handle(JSON.parse(e.data)); } catch (err) { console.warn("bad message", err); } };
  ws.onclose = () => {
    const delay = Math.min(30000, 500 * 2 ** state.retry) * (0.5 + Math.random() / 2);
    state.retry++;
    setConn("reconnecting", "reconnecting in " + Math.ceil(delay / 1000) + " s");
    setTimeout(connect, delay);
  };
}

setInterval(() => {
  $("age").textContent = state.lastEventAt ? "last event " + Math.round((Date.now() - state.lastEventAt) / 1000) + " s ago" : "";
}, 1000);
connect();
