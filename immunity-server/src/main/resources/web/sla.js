// The remediation SLA: the SLA panel (figures by priority, open APVs by age, the list by deadline) and the SLA line
// of each APV card. The page does not know the policy: deadlines come from the server, as `sla` messages (clock
// started, at risk, breached, closed, and the snapshot's) and from GET /sla, which also lists open APVs the stream
// did not mention (older than the snapshot, or while polling). The figures come with `metrics`. Countdowns are
// computed every second from each deadline and the local clock, and a deadline passing is shown at once.
import { setText } from "./dom.js";
import * as fmt from "./format.js";
import { slaRow, slaBadge, slaTable, slaAges, AGE_BUCKETS, PRIORITIES } from "./views.js";

const SHOWN = 20;         // rows in the list by deadline; the others are counted as "+N more"
const FETCH_LIMIT = 500;  // the API's maximum
const REFETCH_MS = 5000;  // after new APVs, at most one GET /sla per this
const COALESCE_MS = 500;  // a burst of APVs gives one GET /sla
const MAX_CLOSED = 1000;
const OPEN = ["within", "at_risk", "breached"];

const $ = (id) => document.getElementById(id);
const open = new Map();    // cve_id → entry {cve, priority, services, state, deadlineMs, touched, row, countdown}
const closed = new Map();  // cve_id → {state: met | missed, touched}; final, so kept across resets
// Transitions the latest metrics may not count yet: cve_id → {priority, from, to, until}, dropped once a metrics
// snapshot computed at or after `until` (server time) arrives. They keep the counts in step with the list.
const moves = new Map();
let summary = null;        // metrics.sla
let summaryAt = 0;         // its computed_at, ms
let shown = [];            // the entries listed, soonest deadline first
let generation = 0;        // bumped by a reset: answers to requests made before it are dropped
let touch = 0;             // bumped by every live change: an answer never undoes a change newer than its request
let fetchTimer = null;
let lastEventFetch = 0;
let renderPending = false;
let fetchOpen;
let cardSlot;

/**
 * @param fetchOpenSla () => Promise<Response> of GET /sla for the page's filters (with its token)
 * @param slotOf       cve_id → the SLA slot of that APV's card, or null when it has none
 */
export function initSla(fetchOpenSla, slotOf) {
  fetchOpen = fetchOpenSla;
  cardSlot = slotOf;
  $("sla-table").replaceChildren(slaTable());
  $("sla-ages").replaceChildren(...slaAges());
  showFigures();
  render();
  setInterval(tick, 1000);
}

/** Every open APV's deadline, asked for now (on connecting). */
export function refreshSla() {
  clearTimeout(fetchTimer);
  fetchTimer = null;
  load();
}

/** A new or updated APV: its deadline is asked for soon, at most once per REFETCH_MS for a stream of them. */
export function slaMayHaveChanged() {
  if (fetchTimer) return;
  const wait = Math.max(COALESCE_MS, lastEventFetch + REFETCH_MS - Date.now());
  fetchTimer = setTimeout(() => {
    fetchTimer = null;
    lastEventFetch = Date.now();
    load();
  }, wait);
}

/** The held state is dropped (new filters, a snapshot follows). */
export function resetSla() {
  generation++;
  open.clear();
  moves.clear();
  clearTimeout(fetchTimer);
  fetchTimer = null;
  render();
  showFigures();
}

/** An `sla` message: its APV's row and card change at once, and the counts with them. */
export function onSla(s, snapshot, timestamp) {
  if (typeof s.cve_id !== "string") return;
  const version = ++touch;
  const until = Date.parse(timestamp) || Date.now();
  const e = open.get(s.cve_id);
  if (s.state === "met" || s.state === "missed") {
    if (!snapshot) move(s.cve_id, s.priority, e ? e.state : "within", s.state, until);
    open.delete(s.cve_id);
    remember(s.cve_id, s.state);
  } else {
    const from = e ? e.state : "within";
    if (!put(s, e, version)) return;
    if (!snapshot && from !== s.state) move(s.cve_id, s.priority, from, s.state, until);
  }
  scheduleRender();
  showFigures();
  paintCardSla(s.cve_id, cardSlot(s.cve_id), Date.now());
}

/** A metrics snapshot: the figures, and the transitions it now counts are no longer added. */
export function onSlaMetrics(m) {
  if (!m.sla || typeof m.sla !== "object") return; // a server without an SLA clock: the panel stays "—"
  summary = m.sla;
  summaryAt = Date.parse(m.computed_at) || Date.now();
  for (const [cve, mv] of moves) if (mv.until <= summaryAt) moves.delete(cve);
  showFigures();
}

/** Shows the SLA line of a card just built (the timer keeps it current). */
export function paintCardSla(cve, slot, now = Date.now()) {
  if (!slot) return;
  const e = open.get(cve);
  const state = e ? e.state : closed.get(cve)?.state;
  slot.hidden = !state;
  if (!state) return;
  if (slot.dataset.sla !== state) slot.dataset.sla = state;
  setText(slot, e ? "SLA: " + cardCountdown(e.deadlineMs - now) : "SLA: " + state);
}

// --- state ---------------------------------------------------------------------------------------

async function load() {
  const asked = generation;
  const since = touch;
  let statuses;
  try {
    const r = await fetchOpen();
    if (!r.ok) return; // 401 and the like: the stream client tells the user
    statuses = await r.json();
  } catch {
    return; // the server is unreachable: the stream client says so, and asks again on reconnecting
  }
  if (asked !== generation || !Array.isArray(statuses)) return;
  merge(statuses, since);
}

/** Puts a GET /sla answer in place; entries that changed live since the request (`since`) keep their state. */
function merge(statuses, since) {
  const listed = new Set();
  for (const s of statuses) {
    if (!s || typeof s.cve_id !== "string") continue;
    listed.add(s.cve_id);
    const e = open.get(s.cve_id);
    if ((e && e.touched > since) || (closed.get(s.cve_id)?.touched ?? -1) > since) continue;
    put(s, e, since);
  }
  // Absent from a whole answer (or before the last of a cut one): closed meanwhile, outcome not known here.
  const whole = statuses.length < FETCH_LIMIT;
  const last = whole ? Infinity : Date.parse(statuses.at(-1)?.deadline);
  const gone = [...open.values()].filter((e) => !listed.has(e.cve) && e.touched <= since && (whole || e.deadlineMs <= last));
  for (const e of gone) open.delete(e.cve);
  render();
  const now = Date.now();
  for (const cve of [...listed, ...gone.map((e) => e.cve)]) paintCardSla(cve, cardSlot(cve), now);
}

/** Adds or updates an open APV from a status known as of `version`; returns its entry, or null if unusable. */
function put(s, e, version) {
  const deadlineMs = Date.parse(s.deadline);
  if (!OPEN.includes(s.state) || !Number.isFinite(deadlineMs)) return null;
  const services = Array.isArray(s.services) ? s.services.map(String) : [];
  const entry = e || { cve: s.cve_id, row: null };
  if (e && (e.priority !== s.priority || e.services.join("\n") !== services.join("\n"))) entry.row = null;
  Object.assign(entry, { priority: s.priority, services, deadlineMs, touched: version });
  // A deadline passed here stays breached, whatever an answer computed a moment before it says.
  setState(entry, e && e.state === "breached" && deadlineMs <= Date.now() ? "breached" : s.state);
  open.set(s.cve_id, entry);
  closed.delete(s.cve_id);
  return entry;
}

function setState(e, state) {
  if (e.state === state) return;
  e.state = state;
  if (!e.row) return;
  e.row.dataset.state = state;
  e.row.querySelector(".sla-state").replaceWith(slaBadge(state));
}

function move(cve, priority, from, to, until) {
  const prev = moves.get(cve);
  const start = prev ? prev.from : from;
  const at = Math.max(until, prev ? prev.until : 0);
  if (start === to || at <= summaryAt) moves.delete(cve); // nothing moved, or the latest metrics count it already
  else moves.set(cve, { priority, from: start, to, until: at });
}

function remember(cve, state) {
  closed.delete(cve);
  closed.set(cve, { state, touched: touch });
  if (closed.size > MAX_CLOSED) closed.delete(closed.keys().next().value);
}

// --- the timer -----------------------------------------------------------------------------------

function tick() {
  const now = Date.now();
  let crossed = false;
  for (const e of open.values()) {
    if (e.state !== "breached" && now >= e.deadlineMs) {
      // Shown at once; the server's `sla` message confirms it.
      move(e.cve, e.priority, e.state, "breached", e.deadlineMs);
      setState(e, "breached");
      crossed = true;
    }
    paintCardSla(e.cve, cardSlot(e.cve), now);
  }
  if (crossed) showFigures();
  for (const e of shown) setText(e.countdown, rowCountdown(e.deadlineMs - now));
}

function rowCountdown(ms) {
  return ms > 0 ? "due in " + fmt.countdown(Math.ceil(ms / 1000)) : "overdue by " + fmt.countdown(-ms / 1000);
}

function cardCountdown(ms) {
  return ms > 0 ? "due in " + fmt.span(Math.ceil(ms / 1000)) : "overdue " + fmt.span(-ms / 1000);
}

// --- the panel -----------------------------------------------------------------------------------

/** A snapshot brings an `sla` message per APV: the list is sorted once per frame, not once per message. */
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

/** The list by deadline: rows are built once per entry and only moved; the timer updates their text. */
function render() {
  const all = [...open.values()].sort((a, b) => a.deadlineMs - b.deadlineMs || (a.cve < b.cve ? -1 : 1));
  const next = all.slice(0, SHOWN);
  for (const e of next) {
    if (!e.row) {
      e.row = slaRow({ cve_id: e.cve, priority: e.priority, services: e.services, state: e.state });
      e.countdown = e.row.querySelector(".countdown");
    }
  }
  const list = $("sla-list");
  if (next.length !== shown.length || next.some((e, i) => e !== shown[i] || list.children[i] !== e.row)) {
    list.replaceChildren(...next.map((e) => e.row));
  }
  shown = next;
  const now = Date.now();
  for (const e of shown) setText(e.countdown, rowCountdown(e.deadlineMs - now));
  const more = all.length - shown.length;
  setText($("sla-more"), more > 0 ? "+" + fmt.count(more) + " more" : "");
  $("sla-more").hidden = more <= 0;
  $("sla-empty").hidden = open.size > 0;
}

/** The figures of the latest metrics, with the transitions seen since. */
function showFigures() {
  for (const tr of $("sla-table").querySelectorAll("tr[data-priority]")) {
    const p = tr.dataset.priority;
    for (const kind of ["open", "at_risk", "breached"]) {
      const n = p === "all" ? total(kind) : count(kind, p);
      const td = tr.querySelector(`[data-col=${kind}]`);
      setText(td, fmt.count(n));
      td.classList.toggle("hot", kind !== "open" && n > 0);
    }
    const compliance = p === "all" ? summary?.compliance : summary?.compliance_by_priority?.[p];
    setText(tr.querySelector("[data-col=compliance]"), fmt.percent(compliance));
  }
  const ages = summary?.open_by_age || {};
  for (const [id] of AGE_BUCKETS) setText($("sla-ages").querySelector(`[data-age="${id}"] .value`), fmt.count(ages[id]));
  setText($("sla-ages").querySelector('[data-age="median"] .value'), fmt.span(summary?.median_open_age_seconds));
}

/** Open, at risk or breached APVs of a priority: the metrics' figure, moved by the transitions seen since. */
function count(kind, priority) {
  let n = summary?.[kind]?.[priority];
  if (typeof n !== "number") return null;
  for (const mv of moves.values()) {
    if (mv.priority !== priority) continue;
    if (kind === "open") n -= OPEN.includes(mv.to) ? 0 : 1;
    else n += (mv.to === kind ? 1 : 0) - (mv.from === kind ? 1 : 0);
  }
  return Math.max(0, n);
}

function total(kind) {
  const ns = PRIORITIES.map((p) => count(kind, p));
  return ns.includes(null) ? null : ns.reduce((a, b) => a + b, 0);
}
