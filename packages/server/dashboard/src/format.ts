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

/** An absolute local time, for titles and tables. */
export function dateTime(t: number | null | undefined): string {
  if (t === null || t === undefined) return "—";
  return new Date(t).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** A latency: "12 ms", "1.2 s". */
export function latency(ms: number | null): string {
  if (ms === null) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** A measured value, short. */
export function value(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return Number(v.toPrecision(4)).toLocaleString(undefined, { maximumFractionDigits: 3 });
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
