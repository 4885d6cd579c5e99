/**
 * The console's one date/time format: date, time and zone, in that order, on
 * every page ("2026-12-01 14:05:09 UTC"). UTC and fixed digits, so the server's
 * render and the browser's hydration produce the same text (no React #418).
 */
export function formatDateTime(at: string | Date | null | undefined): string {
  if (at === null || at === undefined) return "—";
  const d = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
}

/** Time only, for dense lists where the date is the same day ("14:05:09 UTC"). */
export function formatTime(at: string | Date | null | undefined): string {
  const full = formatDateTime(at);
  return full === "—" ? full : full.slice(11);
}

/** A duration in seconds as m:ss (h:mm:ss over an hour). */
export function formatCountdown(seconds: number): string {
  const left = Math.max(0, Math.floor(seconds));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = String(left % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A retention period in seconds: whole days as days, else hours, minutes or seconds ("30 days", "1 day", "36 hours", "5 minutes"). */
export function formatPeriod(seconds: number): string {
  const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  if (seconds >= 86_400 && Number.isInteger(seconds / 86_400)) return unit(seconds / 86_400, "day");
  if (seconds >= 3600) return unit(Math.round(seconds / 3600), "hour");
  if (seconds >= 60) return unit(Math.round(seconds / 60), "minute");
  return unit(Math.round(seconds), "second");
}

const UTC_INPUT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d)(:\d\d)?$/;

/**
 * A datetime-local input's value read as UTC, the zone every console page shows, to ISO; null when it is not one.
 * (The browser's own reading is its local zone, so a bound typed from a table's "13:16 UTC" would be off by the offset.)
 */
export function utcInputToIso(value: string): string | null {
  const m = UTC_INPUT.exec(value);
  if (!m) return null;
  const d = new Date(`${m[1]}${m[2] ?? ":00"}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An instant (ISO, as the URL keeps it) as a datetime-local input's value in UTC, to the second; null when not one. */
export function isoToUtcInput(value: string): string | null {
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString().slice(0, 19);
}
