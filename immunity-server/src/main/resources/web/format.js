// Formatting of numbers and times. "No data yet" (null) is always shown as "—", never 0.

export const NONE = "—";

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return NONE;
  if (seconds < 90) return seconds.toFixed(seconds < 10 ? 1 : 0) + " s";
  if (seconds < 5400) return (seconds / 60).toFixed(1) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}

export function percent(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return NONE;
  return (ratio * 100).toFixed(1).replace(/\.0$/, "") + " %";
}

export function count(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return NONE;
  return n.toLocaleString("en");
}

/** "12 s ago", "3 min ago", "2 h ago". */
export function age(ms) {
  if (ms === null || ms === undefined) return NONE;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  return Math.floor(s / 3600) + " h ago";
}

/** Local time of day for an ISO timestamp, or "—". */
export function clock(iso) {
  if (!iso) return NONE;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return NONE;
  return d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Local date and time for an ISO timestamp, or "—". */
export function dateTime(iso) {
  if (!iso) return NONE;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return NONE;
  return d.toLocaleString("en-GB", { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

/** Seconds between two ISO timestamps, or null. */
export function between(fromIso, toIso) {
  if (!fromIso || !toIso) return null;
  const s = (new Date(toIso).getTime() - new Date(fromIso).getTime()) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : null;
}

/** A countdown in whole seconds: "2d 03:04:05", or "03:04:05" under a day. */
export function countdown(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, "0")).join(":");
  const days = Math.floor(s / 86400);
  return days ? days + "d " + hms : hms;
}

const UNITS = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];

/** A length of time by its two largest units: "5d 02h", "3h 10m", "4m 05s", "12s"; "—" for null. */
export function span(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return NONE;
  const s = Math.max(0, Math.floor(seconds));
  const i = UNITS.findIndex(([u]) => s >= u);
  if (i < 0) return "0s";
  const [unit, name] = UNITS[i];
  if (i === UNITS.length - 1) return s + name;
  const [next, nextName] = UNITS[i + 1];
  return Math.floor(s / unit) + name + " " + String(Math.floor((s % unit) / next)).padStart(2, "0") + nextName;
}
