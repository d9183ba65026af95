import type { IncomingMessage, ServerResponse } from "node:http";
import { AmstaffError, type MonitorStatus } from "@amstaff/core";
import { z } from "zod";
import type { Clock } from "../../clock.js";
import type { TransitionRecord } from "../../state/commands.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { securityHeaders } from "./staticAssets.js";

/** What the public status pages publish: the monitors with one of these tags, the modules named. */
export interface StatusPageSelection {
  tags: readonly string[];
  modules: readonly string[];
}

const selectorSchema = z
  .string()
  .trim()
  .regex(/^(tag|module):.+$/, 'expected "tag:<tag>" or "module:<module name>"');

/**
 * Reads the `--status-page` flag (`AMSTAFF_STATUS_PAGES`): comma-separated `tag:<tag>` and
 * `module:<module name>` entries, e.g. `tag:public,module:Payments`.
 */
export function parseStatusPages(text: string | undefined): StatusPageSelection {
  const tags: string[] = [];
  const modules: string[] = [];
  for (const entry of (text ?? "").split(",").filter((e) => e.trim() !== "")) {
    const parsed = selectorSchema.safeParse(entry);
    if (!parsed.success) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `--status-page: "${entry.trim()}" is not tag:<tag> or module:<module name> (e.g. tag:public,module:Payments).`,
      );
    }
    const at = parsed.data.indexOf(":");
    (parsed.data.slice(0, at) === "tag" ? tags : modules).push(parsed.data.slice(at + 1).trim());
  }
  return { tags, modules };
}

/** What the public sees of a status: a word, never the message behind it. */
export type PublicStatus = "ok" | "degraded" | "down" | "no data";

/** A monitor's status, as a status page says it. */
export function publicStatus(status: MonitorStatus): PublicStatus {
  switch (status) {
    case "ok":
      return "ok";
    case "warning":
      return "degraded";
    case "critical":
      return "down";
    default:
      return "no data";
  }
}

const dayMs = 86_400_000;

/**
 * The share of the last `windowMs` a monitor was up (ok or warning), from its committed transitions;
 * time in `unknown`, `pending`, or before the oldest transition kept, counts neither way. Undefined
 * when nothing in the window is known.
 */
export function uptime(
  transitions: readonly TransitionRecord[],
  now: number,
  windowMs: number,
): number | undefined {
  const start = now - windowMs;
  const changes = transitions.filter((t) => t.kind === "transition");
  let up = 0;
  let known = 0;
  changes.forEach((t, i) => {
    const from = Math.max(t.since, start);
    const to = Math.min(changes[i + 1]?.since ?? now, now);
    if (to <= from) return;
    if (t.to === "ok" || t.to === "warning") {
      up += to - from;
      known += to - from;
    } else if (t.to === "critical") {
      known += to - from;
    }
  });
  return known === 0 ? undefined : up / known;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

const percent = (share: number | undefined) =>
  share === undefined ? "—" : `${(Math.floor(share * 10_000) / 100).toFixed(2)}%`;

const label: Record<PublicStatus, string> = {
  ok: "Operational",
  degraded: "Degraded",
  down: "Down",
  "no data": "No data",
};

const stylesheet = `:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
body{margin:0 auto;max-width:52rem;padding:1.5rem 1rem}h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.summary{padding:1rem;border-radius:.5rem;font-weight:600;margin:1rem 0;border:2px solid}
.summary.ok{background:#e7f6ec;border-color:#1e7b3a;color:#13522a}.summary.degraded{background:#fff4d6;border-color:#8a5a00;color:#5c3c00}
.summary.down{background:#fde8e8;border-color:#b42318;color:#7a1610}.summary.nodata{background:#eceef1;border-color:#4b5563;color:#1f2937}
table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #d0d5dd}
th{font-size:.85rem;color:#374151}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.st{font-weight:600}.st.ok{color:#13522a}.st.degraded{color:#5c3c00}.st.down{color:#9b1c13}.st.nodata{color:#374151}
.st::before{content:"";display:inline-block;width:.7em;height:.7em;border-radius:50%;margin-right:.4em;background:currentColor}
footer{margin-top:2rem;font-size:.85rem;color:#4b5563}a{color:#1d4ed8}a:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
@media (max-width:40rem){th.hide,td.hide{display:none}}`;

interface PageMonitor {
  module: string;
  monitor: string;
  status: PublicStatus;
  day: number | undefined;
  week: number | undefined;
}

/** Options of {@link createStatusPages}. */
export interface StatusPagesOptions {
  machine: StateMachine;
  clock: Clock;
  selection?: StatusPageSelection | undefined;
}

/**
 * The public status pages, at `/status/` (the list), `/status/tag/<tag>` and `/status/module/<name>`:
 * plain HTML without script, no token needed. They show module and monitor names, a status word and
 * uptime, and nothing else: no messages, URLs, hosts, errors, tags or node names. A page that is not
 * published answers 404, the same as one that does not exist.
 */
export function createStatusPages(options: StatusPagesOptions) {
  const { machine, clock } = options;
  const selection = options.selection ?? { tags: [], modules: [] };

  const monitorsOf = (kind: "tag" | "module", name: string): PageMonitor[] | undefined => {
    if (!(kind === "tag" ? selection.tags : selection.modules).includes(name)) return undefined;
    const now = clock.now();
    return machine.modules().flatMap((module) =>
      module.definition.monitors
        .filter((d) => (kind === "tag" ? d.tags.includes(name) : module.name === name))
        .map((d) => {
          const transitions = machine.transitionsOf(module.name, d.name);
          return {
            module: module.name,
            monitor: d.name,
            status: publicStatus(machine.monitor(module.name, d.name)?.status ?? "pending"),
            day: uptime(transitions, now, dayMs),
            week: uptime(transitions, now, 7 * dayMs),
          };
        }),
    );
  };

  const page = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="refresh" content="60"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/status/status.css"></head>` +
    `<body><main>${body}</main><footer>Updated ${new Date(clock.now()).toISOString().replace("T", " ").slice(0, 16)} UTC · refreshes every minute</footer></body></html>`;

  const render = (title: string, monitors: PageMonitor[]) => {
    const worst = monitors.some((m) => m.status === "down")
      ? "down"
      : monitors.some((m) => m.status === "degraded")
        ? "degraded"
        : monitors.length > 0 && monitors.every((m) => m.status === "ok")
          ? "ok"
          : "no data";
    const summary = {
      ok: "All systems operational",
      degraded: "Some systems degraded",
      down: "Some systems down",
      "no data": "Status not known yet",
    }[worst];
    const modules = [...new Set(monitors.map((m) => m.module))];
    const tables = modules
      .map((module) => {
        const rows = monitors
          .filter((m) => m.module === module)
          .map(
            (m) =>
              `<tr><td>${escapeHtml(m.monitor)}</td><td><span class="st ${m.status.replace(" ", "")}">${label[m.status]}</span></td>` +
              `<td class="num hide">${percent(m.day)}</td><td class="num">${percent(m.week)}</td></tr>`,
          )
          .join("");
        return (
          `<section aria-labelledby="m-${escapeHtml(module)}"><h2 id="m-${escapeHtml(module)}">${escapeHtml(module)}</h2>` +
          `<table><thead><tr><th scope="col">Service</th><th scope="col">Status</th><th scope="col" class="num hide">Uptime 24 h</th>` +
          `<th scope="col" class="num">Uptime 7 days</th></tr></thead><tbody>${rows}</tbody></table></section>`
        );
      })
      .join("");
    return page(
      title,
      `<h1>${escapeHtml(title)}</h1><p class="summary ${worst.replace(" ", "")}" role="status">${summary}</p>${tables}`,
    );
  };

  const send = (response: ServerResponse, status: number, type: string, body: string, cache: string) => {
    response.writeHead(status, {
      "content-type": type,
      "cache-control": cache,
      "content-length": Buffer.byteLength(body),
      ...securityHeaders,
    });
    response.end(body);
  };

  return {
    /** Answers `/status` and the paths under it; returns false for any other path. */
    handle(request: IncomingMessage, response: ServerResponse): boolean {
      const path = (request.url ?? "/").split("?")[0]!;
      if (path !== "/status" && !path.startsWith("/status/")) return false;
      const notFound = () => {
        send(
          response,
          404,
          "text/html; charset=utf-8",
          page("Not found", "<h1>No such status page</h1>"),
          "no-cache",
        );
        return true;
      };
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD", ...securityHeaders }).end();
        return true;
      }
      if (path === "/status/status.css") {
        send(response, 200, "text/css; charset=utf-8", stylesheet, "public, max-age=3600");
        return true;
      }
      if (path === "/status" || path === "/status/") {
        const links = [
          ...selection.tags.map((t) => ["tag", t] as const),
          ...selection.modules.map((m) => ["module", m] as const),
        ];
        if (links.length === 0) return notFound();
        const items = links
          .map(
            ([kind, name]) =>
              `<li><a href="/status/${kind}/${encodeURIComponent(name)}">${escapeHtml(name)}</a></li>`,
          )
          .join("");
        send(
          response,
          200,
          "text/html; charset=utf-8",
          page("Status", `<h1>Status</h1><ul>${items}</ul>`),
          "no-cache",
        );
        return true;
      }
      const match = /^\/status\/(tag|module)\/([^/]+)$/.exec(path);
      let name: string | undefined;
      try {
        name = match ? decodeURIComponent(match[2]!) : undefined;
      } catch {
        name = undefined;
      }
      const monitors =
        match && name !== undefined ? monitorsOf(match[1] as "tag" | "module", name) : undefined;
      if (!monitors) return notFound();
      const title = match![1] === "module" ? `${name} status` : `Status: ${name}`;
      send(response, 200, "text/html; charset=utf-8", render(title, monitors), "no-cache");
      return true;
    },
  };
}
