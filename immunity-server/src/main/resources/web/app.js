// Immunity live dashboard: plain ES modules, no framework, no build step, nothing from a CDN.
// Untrusted text is only ever set as text (see dom.js). Protocol: docs/stream-protocol.md.
import { el, setText, clean } from "./dom.js";
import * as fmt from "./format.js";
import { apvCard, patchCard, patchDetail, sparkline, priorityTable, TILES, PRIORITIES, LIFECYCLE } from "./views.js";
import { StreamClient, API } from "./stream.js";
import { OidcSession } from "./oidc.js";
import { initSla, refreshSla, slaMayHaveChanged, resetSla, onSla, onSlaMetrics, paintCardSla } from "./sla.js";

const MAX_APVS = 200;     // the timeline is capped: the oldest cards go first
const MAX_PATCHES = 50;
const AWAY_PX = 48;       // scrolled further than this from the top = "the user has scrolled away"

const $ = (id) => document.getElementById(id);
const apvs = new Map();      // cve_id → {apv, li, slaSlot}
const patches = new Map();   // patch_id → {patch, li}
const latestPatch = new Map(); // cve_id → patch (the most recently updated one)
const services = new Set();
let received = 0;
let lastEventAt = null;
let metricsAt = null;
let unseen = 0;
let filters = readFilters();

const client = new StreamClient({
  onMessage: handle,
  onReset: reset,
  onStatus: showStatus,
  onHello: (p) => {
    const c = $("conn");
    c.dataset.connection = p.connection_id || "";
    c.dataset.mode = p.mode || "";
    c.dataset.recovered = String(p.recovered);
    c.title = p.recovered === false ? "resynchronised: " + clean(p.reason || "cursor not resumable") : "";
    refreshSla();
  },
  onNeedToken: (reason) => {
    setText($("auth-reason"), reason);
    $("auth").hidden = false;
    if (oidc) {
      $("sign-in-row").hidden = false;
      $("token-form").hidden = true;
      $("sign-in").focus();
    } else {
      $("token").focus();
    }
  },
});
let oidc = null;

// --- events ----------------------------------------------------------------------------------------

function handle(msg, source) {
  const p = msg.payload;
  if (!p || typeof p !== "object") return;
  switch (msg.type) {
    case "apv":
      if (applyApv(p, !msg.snapshot) || source === "ws") counted();
      // GET /sla again soon, in case its `sla` message does not come (polling, an older server); patches never
      // move a deadline, and closures come as `sla` messages.
      if (!msg.snapshot) slaMayHaveChanged();
      break;
    case "patch": if (applyPatch(p) || source === "ws") counted(); break;
    case "sla": onSla(p, msg.snapshot === true, msg.timestamp); break;
    case "metrics":
      showMetrics(p);
      onSlaMetrics(p);
      if (source === "poll") slaMayHaveChanged(); // no `sla` messages while polling
      break;
    case "auth_ok": $("conn").dataset.renewals = String(client.renewals || 0); break;
    default: return; // heartbeat, pong, error and unknown types: nothing to show
  }
}

function counted() {
  received++;
  lastEventAt = Date.now();
  setText($("received"), received.toLocaleString("en") + (received === 1 ? " event" : " events"));
  tickAge();
}

function matchesFilters(apv) {
  if (filters.priority.length && !filters.priority.includes(apv.priority)) return false;
  if (filters.service && !(apv.affected_services || []).includes(filters.service)) return false;
  return true;
}

function applyApv(apv, live) {
  if (typeof apv.cve_id !== "string" || !matchesFilters(apv)) return false; // the REST `since` path filters by priority only
  for (const s of apv.affected_services || []) addService(s);
  const list = $("apvs");
  const existing = apvs.get(apv.cve_id);
  if (existing) {
    existing.apv = apv;
    showCard(existing);
    if (live && existing.li !== list.firstElementChild) insertTop(existing.li, live);
    return true;
  }
  const entry = { apv, li: el("li") };
  showCard(entry);
  apvs.set(apv.cve_id, entry);
  insertTop(entry.li, live);
  while (apvs.size > MAX_APVS) {
    const last = list.lastElementChild;
    apvs.delete(last.querySelector("[data-cve]").dataset.cve);
    last.remove();
  }
  countApvs();
  return true;
}

/** (Re)builds an APV's card with its latest patch, keeping its details open if they were. */
function showCard(entry) {
  const open = entry.li.querySelector("details")?.open;
  const card = apvCard(entry.apv, latestPatch.get(entry.apv.cve_id));
  if (open) card.querySelector("details").open = true;
  entry.li.replaceChildren(card);
  entry.slaSlot = card.querySelector(".apv-sla");
  paintCardSla(entry.apv.cve_id, entry.slaSlot);
}

/** Newest first: put on top; keep the user's place (and count "N new") when scrolled away. */
function insertTop(li, live) {
  const list = $("apvs");
  const away = list.scrollTop > AWAY_PX;
  const before = list.scrollHeight;
  list.prepend(li);
  if (away) {
    list.scrollTop += list.scrollHeight - before;
    if (live) { unseen++; showUnseen(); }
  } else {
    list.scrollTop = 0;
  }
}

function showUnseen() {
  const b = $("new-items");
  b.hidden = unseen === 0;
  setText(b, "↑ " + unseen + " new");
}

function applyPatch(p) {
  if (typeof p.patch_id !== "string") return false;
  if (filtered() && !apvs.has(p.cve_id)) return false; // polled patches are not filtered by the server
  const existing = patches.get(p.patch_id);
  if (existing && !newer(p, existing.patch)) return false;
  const list = $("patches");
  const card = patchCard(p);
  let li;
  if (existing) {
    li = existing.li;
    li.replaceChildren(card);
    existing.patch = p;
  } else {
    li = el("li", {}, card);
    patches.set(p.patch_id, { patch: p, li });
  }
  if (list.firstElementChild !== li) list.prepend(li);
  while (patches.size > MAX_PATCHES) {
    const last = list.lastElementChild;
    patches.delete(last.querySelector("[data-patch]").dataset.patch);
    last.remove();
  }
  const prev = latestPatch.get(p.cve_id);
  if (!prev || prev.patch_id === p.patch_id || (p.updated_at || "") >= (prev.updated_at || "")) {
    latestPatch.set(p.cve_id, p);
    const a = apvs.get(p.cve_id);
    if (a) showCard(a);
  }
  countPatches();
  return true;
}

const RANK = Object.fromEntries([...LIFECYCLE, "failed", "rolled_back"].map((s, i) => [s, i]));

/** Whether a polled patch state is newer than the one shown (a patch only moves forward). */
function newer(p, q) {
  if ((p.updated_at || "") !== (q.updated_at || "")) return (p.updated_at || "") > (q.updated_at || "");
  return (RANK[p.status] ?? -1) > (RANK[q.status] ?? -1);
}

function filtered() {
  return filters.priority.length > 0 || !!filters.service;
}

function reset() {
  apvs.clear();
  patches.clear();
  latestPatch.clear();
  $("apvs").replaceChildren();
  $("patches").replaceChildren();
  resetSla();
  unseen = 0;
  showUnseen();
  countApvs();
  countPatches();
}

function countApvs() {
  $("apvs-empty").hidden = apvs.size > 0;
  setText($("apv-count"), apvs.size ? apvs.size + (apvs.size >= MAX_APVS ? " (latest " + MAX_APVS + ")" : "") : "");
}

function countPatches() {
  $("patches-empty").hidden = patches.size > 0;
  setText($("patch-count"), patches.size ? String(patches.size) : "");
}

function addService(s) {
  if (typeof s !== "string" || services.has(s) || services.size > 500) return;
  services.add(s);
  $("services").append(el("option", { attrs: { value: s } }));
}

// --- metrics ---------------------------------------------------------------------------------------

function buildTiles() {
  const ul = $("metrics");
  for (const [id, label] of TILES) {
    ul.append(el("li", { class: "tile", attrs: { "data-metric": id } },
      el("span", { class: "label", text: label }),
      el("span", { class: "value", text: fmt.NONE }),
      el("span", { class: "sub" }),
      el("span", { class: "chart" })));
  }
}

function showMetrics(m) {
  const series = m.series || {};
  for (const [id, label, value, sub, pick, seriesLabel] of TILES) {
    const tile = $("metrics").querySelector(`[data-metric="${id}"]`);
    setText(tile.querySelector(".value"), value(m));
    setText(tile.querySelector(".sub"), sub ? sub(m) : "");
    tile.querySelector(".chart").replaceChildren(sparkline(pick(series), seriesLabel));
    tile.setAttribute("aria-label", label + ": " + value(m) + (sub ? " (" + sub(m) + ")" : ""));
    if (id === "mttr") tile.title = fmt.count(m.mttr_samples) + " remediated APVs; clock stops at " + clean(m.mttr_basis || "merged");
  }
  $("by-priority").replaceChildren(priorityTable(m.by_priority));
  metricsAt = m.computed_at || null;
  setText($("metrics-age"), metricsAt ? "as of " + fmt.clock(metricsAt) : "");
}

// --- header ----------------------------------------------------------------------------------------

function showStatus(s) {
  const c = $("conn");
  c.dataset.state = s.state;
  setText($("conn-label"), s.label);
  setText($("conn-detail"), s.detail || "");
  if (s.state === "connected") $("auth").hidden = true;
  $("reconnect").hidden = !(s.state === "disconnected" && s.detail !== "token needed");
}

function tickAge() {
  setText($("age"), lastEventAt ? "last event " + fmt.age(Date.now() - lastEventAt) : "no event yet");
}

// --- filters (kept in the page URL, applied by the server) --------------------------------------------

function readFilters() {
  const q = new URLSearchParams(location.search);
  const priority = (q.get("priority") || "").split(",").map((s) => s.trim().toLowerCase()).filter((p) => PRIORITIES.includes(p));
  return { priority, service: (q.get("service") || "").trim() };
}

function showFilters() {
  for (const box of $("filters").querySelectorAll("input[name=priority]")) box.checked = filters.priority.includes(box.value);
  $("service").value = filters.service;
  setText($("filter-note"), filtered() ? "filtered by the server" : "");
}

function applyFilters(next) {
  filters = next;
  const url = new URL(location.href);
  url.search = "";
  if (next.priority.length) url.searchParams.set("priority", next.priority.join(","));
  if (next.service) url.searchParams.set("service", next.service);
  history.replaceState(null, "", url);
  showFilters();
  client.setFilters(filters);
}

$("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  const priority = [...$("filters").querySelectorAll("input[name=priority]:checked")].map((b) => b.value);
  applyFilters({ priority, service: $("service").value.trim() });
});
$("clear-filters").addEventListener("click", () => applyFilters({ priority: [], service: "" }));

// --- token, timeline scrolling ---------------------------------------------------------------------

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  if (!token) return;
  $("token").value = "";
  $("auth").hidden = true;
  $("forget-token").hidden = false;
  client.setToken(token);
});
$("reconnect").addEventListener("click", () => client.reconnectNow());
$("forget-token").addEventListener("click", () => {
  $("forget-token").hidden = true;
  client.setToken("");
});

$("apvs").addEventListener("scroll", () => {
  if ($("apvs").scrollTop <= AWAY_PX && unseen) { unseen = 0; showUnseen(); }
}, { passive: true });
$("new-items").addEventListener("click", () => {
  $("apvs").scrollTo({ top: 0, behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  unseen = 0;
  showUnseen();
  $("apvs").focus({ preventScroll: true });
});

// --- the patch panel: a patch's diff and validation, fetched when asked for --------------------------

let diffRequest = 0;  // answers to an earlier request, or after the panel closed, are dropped
let shownDiff = "";

$("patches").addEventListener("click", (e) => {
  const button = e.target.closest("button.view-diff");
  if (button) openPatch(button.closest("[data-patch]").dataset.patch);
});

async function openPatch(patchId) {
  const request = ++diffRequest;
  const dialog = $("diff-dialog");
  shownDiff = "";
  dialog.dataset.patch = patchId;
  dialog.dataset.state = "loading";
  setText($("diff-title"), "Patch");
  $("diff-body").replaceChildren(el("p", { class: "muted", text: "Loading the patch…" }));
  if (!dialog.open) dialog.showModal();
  const { patch, error } = await fetchPatch(patchId);
  if (request !== diffRequest) return;
  dialog.dataset.state = patch ? "shown" : "error";
  if (!patch) {
    $("diff-body").replaceChildren(el("p", { class: "notice", text: error }));
    return;
  }
  shownDiff = typeof patch.diff_content === "string" ? patch.diff_content : "";
  setText($("diff-title"), "Patch for " + (patch.cve_id || "unknown CVE"));
  $("diff-body").replaceChildren(patchDetail(patch));
}

async function fetchPatch(patchId) {
  try {
    const r = await client.fetch(API + "/patches/" + encodeURIComponent(patchId)); // with the token, when there is one
    if (r.ok) return { patch: await r.json() };
    if (r.status === 401) return { error: "The server wants a token to show this patch." };
    if (r.status === 404) return { error: "The server no longer holds this patch." };
    return { error: "The server answered HTTP " + r.status + "." };
  } catch (e) {
    return { error: "Could not load the patch: " + clean(e.message) };
  }
}

async function copyDiff() {
  const status = $("diff-body").querySelector(".copy-status");
  try {
    await navigator.clipboard.writeText(shownDiff); // absent outside a secure context: the catch below
    setText(status, "Copied.");
  } catch {
    const code = $("diff-body").querySelector(".diff tbody");
    if (code) getSelection().selectAllChildren(code);
    setText(status, "Cannot copy from here: the diff is selected, copy it with Ctrl+C.");
  }
}

$("diff-body").addEventListener("click", (e) => {
  if (e.target.closest("button.copy-diff")) copyDiff();
});
$("diff-close").addEventListener("click", () => $("diff-dialog").close());
// Escape closes the modal dialog by itself; a click on the backdrop (the dialog element, outside its content) too.
$("diff-dialog").addEventListener("click", (e) => {
  if (e.target === $("diff-dialog")) $("diff-dialog").close();
});
$("diff-dialog").addEventListener("close", () => {
  diffRequest++;
  shownDiff = "";
  // The browser gives focus back to the button that opened the panel, unless its card was rebuilt meanwhile.
  if (document.activeElement === document.body) {
    const card = [...$("patches").querySelectorAll("[data-patch]")].find((c) => c.dataset.patch === $("diff-dialog").dataset.patch);
    card?.querySelector("button.view-diff")?.focus();
  }
});

// --- sign-in (OpenID Connect, when the server offers it) -------------------------------------------

/** Asks the server how to sign in; with OIDC, finishes a sign-in in progress and keeps the token renewed. */
async function setUpSignIn() {
  let config = null;
  try {
    const r = await fetch(API + "/auth/config", { cache: "no-store" });
    if (r.ok) config = await r.json();
  } catch { /* an older server or none: the stream client will say */ }
  if (!config || !config.oidc || typeof config.oidc.issuer !== "string") return;
  oidc = new OidcSession(config.oidc, {
    onToken: (token) => client.renewToken(token),
    onError: (reason) => client.needToken(reason),
  });
  client.useTokenSource(() => oidc.token);
  let host = config.oidc.issuer;
  try { host = new URL(config.oidc.issuer).host; } catch { /* shown as given */ }
  setText($("sign-in"), "Sign in with " + clean(host));
  try {
    if (await oidc.resume()) $("sign-out").hidden = false;
  } catch (e) {
    setText($("sign-in-detail"), clean(e.message));
  }
}

$("sign-in").addEventListener("click", () => {
  oidc.signIn().catch((e) => setText($("sign-in-detail"), "Cannot reach the identity provider: " + clean(e.message)));
});
$("sign-out").addEventListener("click", () => oidc.signOut());

// --- start -----------------------------------------------------------------------------------------

setText($("server"), location.host);
buildTiles();
initSla(() => {
  const q = new URLSearchParams({ limit: "500" });
  client.addFilters(q);
  return client.fetch(API + "/sla?" + q); // with the token, when there is one
}, (cve) => apvs.get(cve)?.slaSlot);
showFilters();
countApvs();
countPatches();
setInterval(tickAge, 1000);
setUpSignIn().finally(() => {
  filters = readFilters(); // back from the identity provider, the page's own query is restored only now
  showFilters();
  client.filters = filters;
  $("forget-token").hidden = !!oidc || !client.token;
  if (oidc && !client.token) client.needToken("Sign in to see the stream."); // no doomed unauthenticated attempt
  else client.start();
});
