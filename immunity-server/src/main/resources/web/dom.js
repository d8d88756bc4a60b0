// DOM helpers. Untrusted text only ever goes through textContent (never HTML parsing):
// this module, like the rest of the page, never hands a string to the HTML parser.

const SVG_NS = "http://www.w3.org/2000/svg";

// Bidirectional controls (Trojan-Source style reordering) and other invisible controls are shown
// as a visible marker instead of being obeyed: advisory text must read as it is.
const CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Untrusted text made safe to display: control characters become a visible [U+XXXX] marker. */
export function clean(value) {
  if (value === null || value === undefined) return "";
  return String(value).replace(CONTROLS, (c) => "[U+" + c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0") + "]");
}

/**
 * Builds an element. opts: {class, text, attrs, title}. Children are nodes or strings (set as text).
 * Attribute values are set with setAttribute, which never parses HTML.
 */
export function el(tag, opts = {}, ...children) {
  const e = document.createElement(tag);
  apply(e, opts);
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === "string" || typeof c === "number" ? clean(c) : c);
  }
  return e;
}

/** An SVG element built with createElementNS (attributes set one by one). */
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) if (c) e.append(typeof c === "string" ? clean(c) : c);
  return e;
}

function apply(e, opts) {
  if (opts.class) e.className = opts.class;
  if (opts.text !== undefined && opts.text !== null) e.textContent = clean(opts.text);
  if (opts.title) e.title = clean(opts.title);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
}

/** Replaces the text of an element (only if it changed, to spare screen readers and layout). */
export function setText(e, value) {
  const t = clean(value);
  if (e.textContent !== t) e.textContent = t;
}

/** The URL if it is an absolute http(s) URL, else null: only those become links. */
export function httpUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const u = new URL(value.trim());
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}
