const units: [number, string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1_000, "s"],
];

/** "3 min ago", "2 h ago". */
export function ago(t: number | null, now = Date.now()): string {
  if (t === null) return "—";
  const ms = Math.max(0, now - t);
  if (ms < 1_000) return "just now";
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)} ${unit} ago`;
  return "just now";
}

// Formatters are made once: making one costs more than formatting with it (rows format on every change).
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const valueFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

/** An absolute local time, for titles and tables. */
export function dateTime(t: number | null | undefined): string {
  if (t === null || t === undefined) return "—";
  return dateTimeFormat.format(t);
}

/** A latency: "12 ms", "1.2 s". */
export function latency(ms: number | null): string {
  if (ms === null) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** A measured value, short. */
export function value(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return valueFormat.format(Number(v.toPrecision(4)));
}

/**
 * A definition as readable text. Secrets are only ever references in definitions
 * (`{ "$secret": "NAME" }`); they are shown as `secret("NAME")`, the way the module file wrote them.
 */
export function definitionText(definition: unknown): string {
  const marker = "\u0000secret:";
  const json = JSON.stringify(
    definition,
    (_, v: unknown) => {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const keys = Object.keys(v);
        const name = (v as Record<string, unknown>).$secret;
        if (keys.length === 1 && typeof name === "string") return `${marker}${name}`;
      }
      return v;
    },
    2,
  );
  return json.replace(/"\\u0000secret:((?:[^"\\]|\\.)*)"/g, (_, name: string) => `secret("${name}")`);
}

/** "1 monitor", "2 monitors", with thousands separators. */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString()} ${noun}${n === 1 ? "" : "s"}`;
}

/** An uptime share (0–1) as a percentage: "99.95%", "100%"; "—" without samples. */
export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined) return "—";
  if (share === 1) return "100%";
  // Never rounds a failure away: 99.996% shows as 99.99%, not 100%.
  return `${(Math.floor(share * 10_000) / 100).toFixed(2)}%`;
}

const clockFormats = [false, true].map(
  (seconds) =>
    new Intl.DateTimeFormat(undefined, {
      hour: "2-digit",
      minute: "2-digit",
      ...(seconds ? { second: "2-digit" } : {}),
      hourCycle: "h23",
    }),
);
const clockTime = (seconds: boolean) => clockFormats[seconds ? 1 : 0]!;
const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const dayMonthTime = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/**
 * Labels for a time axis spanning `spanMs`: "14:05:30" under 10 minutes, "14:05" under two days;
 * beyond, the date at midnight ("6 Dec") and the hour between. A label at a new day within a
 * day-long axis says the date too ("7 Dec, 00:00"). Dates follow the browser's locale.
 */
export function axisTimes(times: readonly number[], spanMs: number): string[] {
  if (spanMs > 2 * 86_400_000) {
    // Days are named at midnight; the ticks between say their hour.
    const hours = clockTime(false);
    return times.map((t) => {
      const d = new Date(t);
      return d.getHours() === 0 && d.getMinutes() === 0 ? dayMonth.format(t) : hours.format(t);
    });
  }
  const format = clockTime(spanMs < 600_000);
  let day = -1;
  return times.map((t, i) => {
    const d = new Date(t);
    const today = d.getFullYear() * 400 + d.getMonth() * 32 + d.getDate();
    const newDay = i > 0 && today !== day;
    day = today;
    return newDay && spanMs >= 3 * 3_600_000 ? dayMonthTime.format(t) : format.format(t);
  });
}

/** A sample's time for a tooltip: "14:05:30" today, "6 Dec, 14:05" before. */
export function sampleTime(t: number, now = Date.now()): string {
  return new Date(t).toDateString() === new Date(now).toDateString()
    ? clockTime(true).format(t)
    : dayMonthTime.format(t);
}

/** A duration, short: "45 s", "12 min", "3 h", "2 d". */
export function span(ms: number): string {
  for (const [size, unit] of units) if (ms >= size) return `${Math.round(ms / size)} ${unit}`;
  return `${Math.round(ms)} ms`;
}
