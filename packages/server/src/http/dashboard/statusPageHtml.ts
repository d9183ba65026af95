import type { PublicComponent, PublicNote, PublicPage, PublicStatus } from "./statusPageModel.js";

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** A share as a status page prints it: floored, never rounded up to 100%. */
export const percent = (share: number | null | undefined): string =>
  share === null || share === undefined ? "—" : `${(Math.floor(share * 10_000) / 100).toFixed(2)}%`;

const statusLabel: Record<PublicStatus, string> = {
  ok: "Operational",
  degraded: "Degraded",
  down: "Down",
  maintenance: "Maintenance",
  "no data": "No data",
};

/** A status word as the pages and badges say it. */
export const labelOf = (status: PublicStatus): string => statusLabel[status];

const cls = (status: PublicStatus) => status.replace(" ", "");

const noteStatusLabel: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  scheduled: "Scheduled",
  in_progress: "In progress",
  completed: "Completed",
  active: "Active",
};

const kindLabel = { incident: "Incident", maintenance: "Maintenance", announcement: "Announcement" };

const when = (isoTime: string) =>
  `<time datetime="${isoTime}">${isoTime.replace("T", " ").slice(0, 16)} UTC</time>`;

function dayClass(uptime: number | null): string {
  if (uptime === null) return "d-none";
  if (uptime >= 1) return "d-ok";
  if (uptime >= 0.99) return "d-minor";
  if (uptime >= 0.95) return "d-major";
  return "d-down";
}

function component(c: PublicComponent): string {
  const bars = c.days
    .map((d) => {
      const tip = `${d.date}: ${d.uptime === null ? "no data" : `${percent(d.uptime)} up`}`;
      return `<span class="day ${dayClass(d.uptime)}" role="img" tabindex="0" aria-label="${tip}" data-tip="${tip}"></span>`;
    })
    .join("");
  return (
    `<li class="component"><div class="row"><span class="name">${escapeHtml(c.name)}</span>` +
    `<span class="st ${cls(c.status)}">${labelOf(c.status)}</span></div>` +
    (c.description ? `<p class="cdesc">${escapeHtml(c.description)}</p>` : "") +
    `<div class="bars" role="group" aria-label="Daily uptime of ${escapeHtml(c.name)}">${bars}</div>` +
    `<div class="legend"><span class="wide">${c.days.length} days ago</span><span class="narrow">30 days ago</span>` +
    `<span><span class="wide">${percent(c.uptime["90d"])} uptime</span><span class="narrow">${percent(c.uptime["30d"])} uptime</span></span>` +
    `<span>Today</span></div></li>`
  );
}

function note(n: PublicNote, headingLevel: 3): string {
  const meta = [
    kindLabel[n.kind],
    ...(n.kind === "incident" ? [`${n.impact} impact`] : []),
    noteStatusLabel[n.status] ?? n.status,
    ...(n.startsAt ? [`from ${when(n.startsAt)}`] : []),
    ...(n.endsAt ? [`until ${when(n.endsAt)}`] : []),
    ...(n.components.length > 0 ? [`affects ${n.components.map(escapeHtml).join(", ")}`] : []),
  ].join(" · ");
  const updates = n.updates
    .map(
      (u) =>
        `<li><strong>${noteStatusLabel[u.status] ?? escapeHtml(u.status)}</strong> — ${when(u.at)}` +
        (u.message ? `<p>${escapeHtml(u.message)}</p>` : "") +
        "</li>",
    )
    .join("");
  return (
    `<article class="note ${n.kind} impact-${n.impact}${n.resolvedAt ? " closed" : ""}">` +
    `<h${headingLevel}>${escapeHtml(n.title)}</h${headingLevel}><p class="meta">${meta}</p>` +
    `<ol class="updates">${updates}</ol></article>`
  );
}

/**
 * The HTML of a status page: no script, one stylesheet. It refreshes itself only when the reader asks
 * (`?refresh=<seconds>`, a wall display): a page that reloads on its own is an accessibility failure
 * (WCAG 2.2.1) for someone reading it slowly.
 */
export function statusPageHtml(page: PublicPage, json: string | undefined, refresh?: number): string {
  const open = page.notes.filter((n) => !n.resolvedAt);
  const closed = page.notes.filter((n) => n.resolvedAt);
  const notes = (title: string, id: string, list: PublicNote[]) =>
    list.length === 0
      ? ""
      : `<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2><div class="notes">${list.map((n) => note(n, 3)).join("")}</div></section>`;
  const groups = page.groups
    .map(
      (g, i) =>
        `<section aria-labelledby="g${i}"><h2 id="g${i}">${escapeHtml(g.name)}</h2>` +
        `<ul class="components">${g.components.map(component).join("")}</ul></section>`,
    )
    .join("");
  const logo = page.logo
    ? `<img class="logo" src="${escapeHtml(page.logo)}" alt="${escapeHtml(page.title)} logo">`
    : "";
  const body =
    `<header class="head">${logo}<div><h1>${escapeHtml(page.title)}</h1>` +
    (page.description ? `<p class="desc">${escapeHtml(page.description)}</p>` : "") +
    `</div></header><main><p class="summary ${cls(page.status)}" role="status">${page.summary}</p>` +
    notes("Current incidents and notices", "open", open) +
    groups +
    notes("Recent history", "past", closed) +
    "</main>" +
    `<footer>Updated ${when(page.updatedAt)} · ` +
    (refresh === undefined
      ? '<a href="?refresh=60">Refresh every minute</a>'
      : `refreshes every ${refresh} s · <a href="?">Stop refreshing</a>`) +
    (json ? ` · <a href="${escapeHtml(json)}">JSON</a>` : "") +
    "</footer>";
  return document(page.title, body, refresh);
}

/** A whole HTML document with the status pages' head. */
export function document(title: string, body: string, refresh?: number): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="color-scheme" content="light dark">${refresh === undefined ? "" : `<meta http-equiv="refresh" content="${refresh}">`}<title>${escapeHtml(title)}</title>` +
    `<link rel="icon" href="/status/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/status/status.css"></head>` +
    `<body>${body}</body></html>`
  );
}
