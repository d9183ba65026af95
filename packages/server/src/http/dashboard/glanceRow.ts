import type { GlanceFields, RecentView } from "../../runtime/peerGlances.js";
import type { Glance } from "../../runtime/recentSamples.js";

const letter = { ok: "o", warning: "w", critical: "c", unknown: "u" } as const;
const fraction = (n: number | null) => (n === null ? null : Math.round(n * 10_000) / 10_000);

/**
 * The overview's fields of a monitor's recent samples and uptime (`hs`, `hl`, `u24`, `u30`), packed
 * short: the last 30 samples of 50,000 monitors travel in one response. The samples' times and
 * messages stay out of it; {@link recentView} serves them for one monitor.
 */
export function glanceFields(glance: Glance | undefined): GlanceFields {
  if (!glance || glance.t.length === 0) return {};
  return {
    hs: glance.s.map((s) => letter[s as keyof typeof letter] ?? "u").join(""),
    hl: glance.lat,
    u24: fraction(glance.up24),
    u30: fraction(glance.up30),
  };
}

/** `GET /modules/:module/monitors/:monitor/recent`: the samples behind a row's bar, oldest first. */
export function recentView(glance: Glance | undefined): RecentView {
  return {
    samples: (glance?.t ?? []).map((t, i) => ({
      t,
      status: glance!.s[i]!,
      latencyMs: glance!.lat[i]!,
      ...(glance!.msg[i] === undefined ? {} : { message: glance!.msg[i]! }),
    })),
    uptime: { h24: fraction(glance?.up24 ?? null), d30: fraction(glance?.up30 ?? null) },
  };
}
