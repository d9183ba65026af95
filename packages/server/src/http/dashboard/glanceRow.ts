import type { GlanceFields, RecentView } from "../../runtime/peerGlances.js";
import type { Bar, Glance } from "../../runtime/recentSamples.js";

const fraction = (n: number | null) => (n === null ? null : Math.round(n * 10_000) / 10_000);

/**
 * The overview's fields of a monitor's recent samples and uptime (`hs`, `hl`, `u24`, `u30`), packed
 * short: the last 30 samples of 50,000 monitors travel in one response. The samples' times and
 * messages stay out of it; {@link recentView} serves them for one monitor.
 */
export function glanceFields(bar: Bar | undefined): GlanceFields {
  if (!bar || bar.letters.length === 0) return {};
  return { hs: bar.letters, hl: bar.latencies, u24: fraction(bar.up24), u30: fraction(bar.up30) };
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
