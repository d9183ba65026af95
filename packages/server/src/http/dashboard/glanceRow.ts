import type { Glance } from "../../runtime/recentSamples.js";
import type { OverviewRow } from "./overviewRow.js";

const letter = { ok: "o", warning: "w", critical: "c", unknown: "u" } as const;
const fraction = (n: number | null) => (n === null ? null : Math.round(n * 10_000) / 10_000);

/**
 * The overview's fields of a monitor's recent samples and uptime (`hs`, `hl`, `ht`, `hm`, `u24`,
 * `u30`), packed short: 30 samples of 50,000 monitors travel in one response.
 */
export function glanceFields(glance: Glance | undefined): Partial<OverviewRow> {
  if (!glance || glance.t.length === 0) return {};
  const last = glance.t.at(-1)!;
  const fields: Partial<OverviewRow> = {
    hs: glance.s.map((s) => letter[s as keyof typeof letter] ?? "u").join(""),
    hl: glance.lat,
    ht: glance.t.map((t) => Math.round((last - t) / 1000)),
    u24: fraction(glance.up24),
    u30: fraction(glance.up30),
  };
  const messages: Record<string, string> = {};
  let any = false;
  glance.msg.forEach((m, i) => {
    if (m !== undefined) {
      messages[i] = m;
      any = true;
    }
  });
  if (any) fields.hm = messages;
  return fields;
}
