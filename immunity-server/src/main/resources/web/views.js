// Pure builders from data to DOM nodes: APV cards, patch cards and the patch panel (diff), metric tiles, sparklines,
// the SLA table and rows.
// Every piece of event data is untrusted and goes through el()/svg(), which set text only.
import { el, svg, httpUrl, clean } from "./dom.js";
import * as fmt from "./format.js";

export const PRIORITIES = ["critical", "high", "medium", "low"];
// Severity and status are never shown by colour alone: each badge carries a word and a symbol.
const PRIORITY_MARK = { critical: "◆", high: "▲", medium: "■", low: "●" };
export const LIFECYCLE = ["pending", "validating", "applied", "merged"];
const STATUS_MARK = { pending: "○", validating: "◔", applied: "◑", merged: "●", failed: "✕", rolled_back: "↺" };

const list = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (v === null || v === undefined ? "" : String(v));

export function priorityBadge(priority) {
  const p = PRIORITIES.includes(priority) ? priority : "unknown";
  return el("span", { class: "badge prio prio-" + p, attrs: { "data-priority": p } },
    el("span", { class: "mark", attrs: { "aria-hidden": "true" }, text: PRIORITY_MARK[p] || "?" }),
    p === "unknown" ? "unknown" : p);
}

export function statusBadge(status) {
  const s = str(status);
  const known = Object.hasOwn(STATUS_MARK, s) ? s : "unknown";
  return el("span", { class: "badge status status-" + known, attrs: { "data-status": known } },
    el("span", { class: "mark", attrs: { "aria-hidden": "true" }, text: STATUS_MARK[known] || "?" }),
    s.replace("_", " ") || "unknown");
}

const SLA_MARK = { within: "○", at_risk: "▲", breached: "✕", met: "✓", missed: "✕" };

export function slaBadge(state) {
  const s = Object.hasOwn(SLA_MARK, state) ? state : "unknown";
  return el("span", { class: "badge sla-state sla-" + s, attrs: { "data-sla": s } },
    el("span", { class: "mark", attrs: { "aria-hidden": "true" }, text: SLA_MARK[s] || "?" }),
    s.replace("_", " "));
}

function cvssText(cvss) {
  if (!cvss || cvss.base_score === null || cvss.base_score === undefined) return "no CVSS score";
  return "CVSS " + Number(cvss.base_score).toFixed(1) + " " + str(cvss.severity).toLowerCase();
}

function packageText(p) {
  const fixed = list(p.fixed_versions);
  return str(p.name) + (list(p.affected_versions).length ? " " + list(p.affected_versions).join(", ") : "")
    + (fixed.length ? " → " + fixed.join(", ") : " (no fix yet)");
}

function field(dl, name, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
  dl.append(el("div", {}, el("dt", { text: name }), el("dd", {}, Array.isArray(value) ? value.join(", ") : str(value))));
}

/** The APV card: head line, summary, services, packages, strategy; expands (details/summary) to the rest. */
export function apvCard(apv, patch) {
  const cve = str(apv.cve_id);
  const card = el("article", { class: "card apv", attrs: { "aria-label": clean(cve) + ", " + str(apv.priority) + " priority" } });
  card.dataset.cve = cve;
  const head = el("header", { class: "card-head" },
    el("h3", { class: "cve", text: cve }),
    priorityBadge(apv.priority),
    el("span", { class: "cvss", text: cvssText(apv.cvss) }),
    patch ? el("span", { class: "apv-patch" }, "patch ", statusBadge(patch.status)) : null,
    el("span", { class: "apv-sla", attrs: { hidden: "" } }), // filled in and kept ticking by sla.js
    el("time", { class: "when", attrs: { datetime: str(apv.processed_at) }, title: fmt.dateTime(apv.processed_at), text: fmt.clock(apv.processed_at) }));
  const services = list(apv.affected_services);
  const pkgs = list(apv.affected_packages);
  const facts = el("dl", { class: "facts" });
  field(facts, "Services", services);
  field(facts, "Packages", pkgs.map(packageText).join("; "));
  field(facts, "Strategy", str(apv.recommended_strategy).replaceAll("_", " "));
  card.append(head, el("p", { class: "summary", text: apv.summary || "(no summary)" }), facts);

  const more = el("dl", { class: "facts" });
  const ctx = apv.maximus_context && typeof apv.maximus_context === "object" ? apv.maximus_context : {};
  field(more, "Aliases", list(apv.aliases));
  field(more, "CVSS vector", apv.cvss && apv.cvss.vector_string);
  field(more, "Complexity", apv.remediation_complexity);
  field(more, "Notes", apv.remediation_notes);
  field(more, "Exploit available", ctx.exploit_available === undefined ? null : ctx.exploit_available ? "yes" : "no");
  field(more, "EPSS", typeof ctx.epss_score === "number" ? fmt.percent(ctx.epss_score) : null);
  field(more, "CWE", ctx.cwe);
  field(more, "Environment", ctx.environment);
  field(more, "Internet facing", ctx.internet_facing === undefined ? null : ctx.internet_facing ? "yes" : "no");
  field(more, "Published", fmt.dateTime(apv.published));
  field(more, "Detected", fmt.dateTime(apv.processed_at));
  field(more, "Source", [apv.source_feed, apv.oraculo_version && "oraculo " + apv.oraculo_version].filter(Boolean).join(", "));
  if (patch) field(more, "Patch", str(patch.patch_id) + " (" + str(patch.status).replace("_", " ") + ")");
  const details = el("details", { class: "more" },
    el("summary", { text: "Details" }),
    el("p", { class: "details-text", text: apv.details || "(no details)" }),
    more);
  card.append(details);
  return card;
}

/** The patch card: status badge with the lifecycle, strategy, confidence, files, timings, PR link. */
export function patchCard(p) {
  const card = el("article", { class: "card patch", attrs: { "aria-label": "patch for " + clean(p.cve_id) + ", " + str(p.status) } });
  card.dataset.patch = str(p.patch_id);
  card.dataset.cve = str(p.cve_id);
  card.dataset.status = str(p.status);
  card.append(el("header", { class: "card-head" },
    el("h3", { class: "cve", text: p.cve_id }),
    statusBadge(p.status),
    el("time", { class: "when", attrs: { datetime: str(p.updated_at) }, text: fmt.clock(p.updated_at) })));

  const steps = el("ol", { class: "lifecycle", attrs: { "aria-label": "lifecycle" } });
  const failed = p.status === "failed" || p.status === "rolled_back";
  const at = LIFECYCLE.indexOf(p.status);
  LIFECYCLE.forEach((s, i) => {
    const done = at >= 0 ? i <= at : false;
    steps.append(el("li", { class: done ? "done" : "", text: s, attrs: { "aria-current": i === at ? "step" : null } }));
  });
  if (failed) steps.append(el("li", { class: "bad", text: str(p.status).replace("_", " "), attrs: { "aria-current": "step" } }));
  card.append(steps);

  const facts = el("dl", { class: "facts" });
  field(facts, "Strategy", str(p.strategy).replaceAll("_", " "));
  field(facts, "Confidence", typeof p.confidence === "number" ? fmt.percent(p.confidence) : null);
  const files = list(p.files_modified);
  if (files.length) field(facts, "Files", files.length + (files.length === 1 ? " file: " : " files: ") + files.join(", "));
  field(facts, "Generated", fmt.clock(p.generated_at));
  if (p.completed_at) field(facts, "Completed", fmt.clock(p.completed_at));
  const took = p.time_to_patch_seconds ?? fmt.between(p.generated_at, p.completed_at);
  if (took !== null && took !== undefined) field(facts, "Time to patch", fmt.duration(took));
  if (p.error_message) field(facts, "Error", p.error_message);
  card.append(facts);
  const pr = prLine(p, "Pull request");
  if (pr) card.append(pr);
  card.append(diffAction(p));
  return card;
}

/** The PR as a link only when it is an http(s) URL; anything else is shown as plain text. */
function prLine(p, label) {
  const url = httpUrl(p.pr_url);
  if (url) return el("p", {}, el("a", { class: "pr", text: label ?? url, attrs: { href: url, rel: "noopener noreferrer", target: "_blank" } }));
  if (p.pr_url) return el("p", { class: "muted" }, "PR: ", el("code", { text: p.pr_url }));
  return null;
}

/** The card's "View diff" button (app.js listens on the list), with how much diff there is to see. */
function diffAction(p) {
  const lines = typeof p.diff_lines === "number" && p.diff_lines > 0 ? p.diff_lines : 0;
  return el("p", { class: "patch-actions" },
    el("button", { class: "view-diff", text: "View diff",
      attrs: { type: "button", "aria-haspopup": "dialog", "aria-label": "View diff of the patch for " + clean(p.cve_id) } }),
    el("span", { class: "muted", text: lines ? fmt.count(lines) + (lines === 1 ? " line" : " lines") : "no diff sent" }));
}

// --- the patch panel (GET /patches/{patch_id}) ----------------------------------------------------------

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * A unified diff as rows {kind, old, new, text}; kind is file, meta, hunk, add, del, ctx or note. Line numbers
 * come from the hunk headers; inside a hunk its counts decide, so a removed "-- x" line is not a "--- " header.
 */
export function parseDiff(text) {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  const rows = [];
  let oldNo = 0, newNo = 0, oldLeft = 0, newLeft = 0;
  for (const line of lines) {
    const inHunk = oldLeft > 0 || newLeft > 0;
    const c = line[0];
    if (inHunk && c === "+") {
      rows.push({ kind: "add", old: null, new: newNo++, text: line });
      newLeft--;
    } else if (inHunk && c === "-") {
      rows.push({ kind: "del", old: oldNo++, new: null, text: line });
      oldLeft--;
    } else if (inHunk && (c === " " || line === "")) {
      rows.push({ kind: "ctx", old: oldNo++, new: newNo++, text: line });
      oldLeft--;
      newLeft--;
    } else if (c === "\\") {
      rows.push({ kind: "note", old: null, new: null, text: line });
    } else {
      const h = HUNK.exec(line);
      if (h) {
        [oldNo, oldLeft, newNo, newLeft] = [+h[1], h[2] === undefined ? 1 : +h[2], +h[3], h[4] === undefined ? 1 : +h[4]];
      } else {
        oldLeft = newLeft = 0;
      }
      rows.push({ kind: h ? "hunk" : headerKind(line), old: null, new: null, text: line });
    }
  }
  return rows;
}

function headerKind(line) {
  if (/^(diff |--- |\+\+\+ )/.test(line)) return "file";
  if (line.startsWith("+")) return "add"; // a hunk without a header: still coloured, not numbered
  if (line.startsWith("-")) return "del";
  return "meta";
}

/** The diff as a table: old and new line numbers in two gutters, then the line as sent (its +/- kept). */
export function diffTable(text) {
  const body = el("tbody");
  for (const r of parseDiff(text)) {
    body.append(el("tr", { class: "diff-" + r.kind, attrs: { "data-kind": r.kind } },
      el("td", { class: "ln ln-old", text: r.old ?? "" }),
      el("td", { class: "ln ln-new", text: r.new ?? "" }),
      el("td", { class: "code", text: r.text })));
  }
  return el("table", { class: "diff" },
    el("thead", { class: "sr-only" }, el("tr", {}, ["Old line", "New line", "Change"].map((c) => el("th", { text: c, attrs: { scope: "col" } })))),
    body);
}

/** Why the diff is missing or partial, or null when it is whole. */
function diffNotice(p, diff) {
  const lines = typeof p.diff_lines === "number" ? fmt.count(p.diff_lines) + (p.diff_lines === 1 ? " line" : " lines") : "";
  if (!diff && p.diff_released) {
    return "The diff" + (lines ? " (" + lines + ")" : "") + " is no longer held by the server: it was released to stay within its memory budget.";
  }
  if (!diff) return "No diff was sent with this patch.";
  if (p.diff_truncated) {
    const shown = new TextEncoder().encode(diff).length;
    return "Showing the first " + fmt.count(shown) + " of " + fmt.count(p.diff_bytes) + " bytes: the diff is longer than the server keeps.";
  }
  return null;
}

function diffSection(p, diff) {
  const notice = diffNotice(p, diff);
  const sec = el("section", { class: "detail-part" },
    el("div", { class: "part-head" },
      el("h3", { text: "Diff" }),
      diff ? el("button", { class: "copy-diff", text: "Copy diff", attrs: { type: "button" } }) : null,
      el("span", { class: "copy-status detail", attrs: { role: "status" } })),
    notice ? el("p", { class: "notice", text: notice }) : null);
  if (diff) sec.append(el("div", { class: "diff-scroll", attrs: { tabindex: "0", role: "region", "aria-label": "Unified diff" } }, diffTable(diff)));
  return sec;
}

function validationText(passed) {
  if (passed === true) return "✓ passed";
  if (passed === false) return "✕ failed";
  return "not reported";
}

function output(name, text) {
  if (text === null || text === undefined || text === "") return el("p", { class: "muted", text: name + ": (empty)" });
  return el("div", {}, el("h4", { text: name }), el("pre", { class: "output", attrs: { tabindex: "0" }, text }));
}

function validationSection(p) {
  const t = p.test_results && typeof p.test_results === "object" ? p.test_results : null;
  const facts = el("dl", { class: "facts" });
  field(facts, "Validation", validationText(p.validation_passed));
  if (t) {
    field(facts, "Exit code", t.exit_code);
    field(facts, "Duration", typeof t.duration_seconds === "number" ? fmt.duration(t.duration_seconds) : null);
  }
  const attempts = list(p.strategy_attempts);
  return el("section", { class: "detail-part" },
    el("h3", { text: "Validation" }),
    facts,
    t ? [output("stdout", t.stdout), output("stderr", t.stderr)] : el("p", { class: "muted", text: "No test results reported." }),
    el("h4", { text: "Strategy attempts" }),
    attempts.length ? el("ol", { class: "attempts" }, attempts.map((a) => el("li", {}, el("code", { text: a }))))
      : el("p", { class: "muted", text: "none reported" }),
    p.error_message ? el("p", { class: "error" }, el("strong", { text: "Error: " }), str(p.error_message)) : null);
}

/** The panel's content for a patch as GET /patches/{patch_id} gives it: facts, diff, validation, PR. */
export function patchDetail(p) {
  const diff = typeof p.diff_content === "string" ? p.diff_content : "";
  const facts = el("dl", { class: "facts" });
  field(facts, "Patch", p.patch_id);
  field(facts, "Strategy", str(p.strategy).replaceAll("_", " "));
  field(facts, "Confidence", typeof p.confidence === "number" ? fmt.percent(p.confidence) : null);
  field(facts, "Files", list(p.files_modified));
  field(facts, "Branch", p.branch_name);
  field(facts, "Commit", p.commit_sha);
  field(facts, "Generated", fmt.dateTime(p.generated_at));
  if (p.completed_at) field(facts, "Completed", fmt.dateTime(p.completed_at));
  return el("div", { class: "patch-detail" },
    el("div", { class: "card-head" }, el("span", { class: "cve", text: p.cve_id }), statusBadge(p.status)),
    facts,
    prLine(p),
    diffSection(p, diff),
    validationSection(p));
}

/** A sparkline as inline SVG: one bar per minute; a minute with no data (null) has no bar. */
export function sparkline(values, label) {
  const w = 120, h = 28;
  const vs = list(values);
  const nums = vs.filter((v) => typeof v === "number" && Number.isFinite(v));
  const max = nums.length ? Math.max(...nums) : 0;
  const s = svg("svg", { class: "spark", viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: "none", role: "img",
    "aria-label": nums.length ? `${label} per minute, last ${vs.length} minutes, peak ${+max.toFixed(2)}` : `${label}: no data yet` });
  s.append(svg("title", {}, nums.length ? `${label} per minute, last ${vs.length} minutes` : `${label}: no data yet`));
  s.append(svg("line", { class: "base", x1: 0, y1: h - 0.5, x2: w, y2: h - 0.5 }));
  const bw = w / Math.max(vs.length, 1);
  vs.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) return;
    const bh = Math.max(1, max > 0 ? (v / max) * (h - 2) : 1);
    s.append(svg("rect", { class: v > 0 ? "bar" : "bar zero", x: (i * bw + bw * 0.15).toFixed(2), y: (h - bh).toFixed(2),
      width: (bw * 0.7).toFixed(2), height: bh.toFixed(2) }));
  });
  return s;
}

/** The metric tiles: [id, label, value(m), sub(m) or null, series(m), series label]. */
export const TILES = [
  ["mttr", "MTTR (mean)", (m) => fmt.duration(m.mttr_avg_seconds),
    (m) => "p50 " + fmt.duration(m.mttr_p50_seconds) + "\np90 " + fmt.duration(m.mttr_p90_seconds),
    (s) => s.mttr_avg_seconds, "mean MTTR"],
  ["success", "Success rate", (m) => fmt.percent(m.success_rate),
    (m) => fmt.count(m.patches_merged) + " merged\n" + fmt.count(m.patches_failed) + " failed", (s) => s.success_rate, "success rate"],
  ["rate", "APVs / hour", (m) => fmt.count(m.apvs_per_hour), () => "last 60 min", (s) => s.apvs_detected, "APVs detected"],
  ["detected", "Detected", (m) => fmt.count(m.apvs_detected), () => "distinct CVEs", (s) => s.apvs_detected, "APVs detected"],
  ["confirmed", "Confirmed", (m) => fmt.count(m.apvs_confirmed), () => "with a patch", (s) => s.apvs_confirmed, "APVs confirmed"],
  ["applied", "Applied", (m) => fmt.count(m.patches_applied), (m) => fmt.count(m.patches_open) + " open", (s) => s.patches_applied, "patches applied"],
];

/** The per-priority table under the tiles. */
export function priorityTable(byPriority) {
  const t = el("table", { class: "by-prio" },
    el("caption", { text: "By priority" }),
    el("thead", {}, el("tr", {}, ["Priority", "APVs", "MTTR p50", "Success"].map((c) => el("th", { text: c, attrs: { scope: "col" } })))));
  const body = el("tbody");
  for (const p of PRIORITIES) {
    const m = (byPriority && byPriority[p]) || {};
    body.append(el("tr", {},
      el("th", { attrs: { scope: "row" } }, priorityBadge(p)),
      el("td", { text: fmt.count(m.apvs_detected) }),
      el("td", { text: fmt.duration(m.mttr_p50_seconds) }),
      el("td", { text: fmt.percent(m.success_rate) })));
  }
  t.append(body);
  return t;
}

// --- the SLA panel ---------------------------------------------------------------------------------------

const SLA_COLUMNS = [["open", "Open"], ["at_risk", "At risk"], ["breached", "Breached"], ["compliance", "Compliance"]];
export const AGE_BUCKETS = [["lt_7d", "< 7d"], ["7d_30d", "7–30d"], ["30d_90d", "30–90d"], ["gt_90d", "> 90d"]];

/** The SLA figures by priority, with an "all" row first; cells (data-col) are filled in by sla.js. */
export function slaTable() {
  const body = el("tbody");
  for (const p of ["all", ...PRIORITIES]) {
    body.append(el("tr", { attrs: { "data-priority": p } },
      el("th", { attrs: { scope: "row" } }, p === "all" ? "all" : priorityBadge(p)),
      SLA_COLUMNS.map(([id]) => el("td", { text: fmt.NONE, attrs: { "data-col": id } }))));
  }
  return el("table", { class: "by-prio sla-table" },
    el("caption", { class: "sr-only", text: "SLA by priority" }),
    el("thead", {}, el("tr", {}, el("th", { text: "Priority", attrs: { scope: "col" } }),
      SLA_COLUMNS.map(([, label]) => el("th", { text: label, attrs: { scope: "col" } })))),
    body);
}

/** Open APVs by age and their median age; values (data-age) are filled in by sla.js. */
export function slaAges() {
  return [...AGE_BUCKETS, ["median", "median"]].map(([id, label]) =>
    el("li", { attrs: { "data-age": id } }, el("span", { class: "muted", text: label + " " }), el("span", { class: "value", text: fmt.NONE })));
}

/** A row of the list by deadline: CVE, priority and countdown (its text set every second); SLA state and services. */
export function slaRow(s) {
  const row = el("li", { class: "sla-row", attrs: { "data-state": str(s.state) } },
    el("div", { class: "sla-line" },
      el("span", { class: "cve", text: s.cve_id }),
      priorityBadge(s.priority),
      el("span", { class: "countdown" })),
    el("div", { class: "sla-line" },
      slaBadge(s.state),
      el("span", { class: "sla-services", text: list(s.services).join(", ") || "no service named" })));
  row.dataset.cve = str(s.cve_id);
  return row;
}
