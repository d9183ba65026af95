import { type DayCounts, dayOf } from "../../runtime/dailyUptime.js";
import { monitorKey } from "../../state/monitorKey.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { escapeHtml, labelOf, percent } from "./statusPageHtml.js";
import {
  barDays,
  type PublicStatus,
  publicPage,
  type ResolvedPage,
  windowUptime,
} from "./statusPageModel.js";

const colours: Record<PublicStatus, string> = {
  ok: "#1e7b3a",
  degraded: "#8a5a00",
  down: "#b42318",
  maintenance: "#3b5bdb",
  "no data": "#4b5563",
};

/** The colour of an uptime badge: green at 99.9% and above, then olive, amber, red; grey without data. */
export function uptimeColour(share: number | null): string {
  if (share === null) return colours["no data"];
  if (share >= 0.999) return colours.ok;
  if (share >= 0.99) return "#5b7f1a";
  if (share >= 0.95) return colours.degraded;
  return colours.down;
}

/** The colour of a status badge. */
export const statusColour = (status: PublicStatus): string => colours[status];

/**
 * Width of a text in Verdana 11px, close enough for a badge: the widths of shields.io's flat style, by
 * character class, so that text neither overflows nor floats in space.
 */
function textWidth(text: string): number {
  let width = 0;
  for (const c of text) {
    if ("il.,:;|!'".includes(c)) width += 3.5;
    else if ("fjrt() /-".includes(c)) width += 5;
    else if ("mwMW%@".includes(c)) width += 10.5;
    else if (/[A-Z0-9]/.test(c)) width += 7.5;
    else width += 6.5;
  }
  return Math.ceil(width);
}

/**
 * A flat SVG badge (the shields.io look READMEs already show): `label | value`, both escaped, with a
 * `<title>` and `aria-label` for screen readers.
 */
export function badgeSvg(label: string, value: string, colour: string): string {
  const left = textWidth(label) + 12;
  const right = textWidth(value) + 12;
  const width = left + right;
  const l = escapeHtml(label);
  const v = escapeHtml(value);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${l}: ${v}">` +
    `<title>${l}: ${v}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>` +
    `<stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${colour}"/>` +
    `<rect width="${width}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${l}</text><text x="${left / 2}" y="14">${l}</text>` +
    `<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${v}</text><text x="${left + right / 2}" y="14">${v}</text>` +
    "</g></svg>"
  );
}

/**
 * The badge of `rest` (`status.svg`, `<component>/status.svg` or `<component>/uptime.svg`) of a page:
 * the answer's status and SVG, a badge that says what is wrong for a 4xx.
 */
export function badgeFor(
  machine: StateMachine,
  page: ResolvedPage | undefined,
  days: ReadonlyMap<string, DayCounts[]>,
  rest: readonly string[],
  query: URLSearchParams,
  now: number,
): { status: number; svg: string } {
  const none = statusColour("no data");
  const kind = rest.at(-1);
  const componentName = rest.length === 2 ? rest[0] : undefined;
  if (!page || (kind !== "status.svg" && kind !== "uptime.svg") || rest.length > 2) {
    return { status: 404, svg: badgeSvg("status", "no such page", none) };
  }
  if (kind === "uptime.svg" && componentName === undefined) {
    return { status: 404, svg: badgeSvg("uptime", "name a component", none) };
  }
  const model = publicPage(machine, page, days, now);
  if (componentName === undefined) {
    return {
      status: 200,
      svg: badgeSvg("status", labelOf(model.status).toLowerCase(), statusColour(model.status)),
    };
  }
  const component = model.groups.flatMap((g) => g.components).find((c) => c.name === componentName);
  const monitors = page.groups.flatMap((g) => g.components).find((c) => c.name === componentName)?.monitors;
  if (!component || !monitors) {
    return { status: 404, svg: badgeSvg(componentName, "no such component", none) };
  }
  if (kind === "status.svg") {
    const word = labelOf(component.status).toLowerCase();
    return { status: 200, svg: badgeSvg(component.name, word, statusColour(component.status)) };
  }
  const window = Number(query.get("days") ?? 30);
  if (!Number.isInteger(window) || window < 1 || window > barDays) {
    return { status: 400, svg: badgeSvg("uptime", `days: 1 to ${barDays}`, none) };
  }
  const share = windowUptime(
    monitors.map((m) => days.get(monitorKey(m.module, m.monitor)) ?? []),
    dayOf(now) - window + 1,
  );
  return { status: 200, svg: badgeSvg(`uptime ${window}d`, percent(share), uptimeColour(share)) };
}
