import type { Operation, SuccessOf } from "../../src/client/client.js";
import { ackButton, type Me, maintenanceForm, mayOperate, silenceForm } from "./actions.js";
import { seg } from "./api.js";
import { h } from "./dom.js";
import { ago, dateTime } from "./format.js";
import { statusBadge } from "./overview.js";

/** One incident with its timeline, as `GET /incidents` answers. */
export type Incident = SuccessOf<Operation<"/incidents", "get">>["incidents"][number];
type IncidentEvent = Incident["events"][number];

const who = (by: IncidentEvent["by"]) =>
  by ? `${by.name}${by.team ? ` (team ${by.team})` : ""}` : "someone";

/** What an event says, in words. */
function describe(e: IncidentEvent): string {
  switch (e.type) {
    case "opened":
      return "Opened";
    case "worsened":
      return "Got worse";
    case "improved":
      return "Got better";
    case "flapping":
      return "Flapping";
    case "reminded":
      return "Reminder sent";
    case "escalated":
      return "Escalated";
    case "acknowledged":
      return `Acknowledged by ${who(e.by)}`;
    case "silenced": {
      const s = e.silence!;
      const kind = s.from > Date.now() ? "Maintenance scheduled" : "Silenced";
      return `${kind} by ${who(e.by)}, ${dateTime(s.from)} to ${dateTime(s.until)}${s.reason ? `: ${s.reason}` : ""}`;
    }
    case "resolved":
      return "Resolved";
  }
}

/** How long, in words: "5 min", "2 h 10 min". */
function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d`;
}

/** An incident's events, oldest first, as an ordered list: when, what, the probe's message, notifications. */
export function incidentTimeline(incident: Incident): HTMLOListElement {
  return h(
    "ol",
    { className: "timeline", "aria-label": `Timeline of incident ${incident.key}` },
    incident.complete ? null : h("li", { className: "small" }, "Earlier events are no longer kept."),
    incident.events.map((e) =>
      h(
        "li",
        { className: `ev ev-${e.type}` },
        h("time", { datetime: new Date(e.at).toISOString() }, dateTime(e.at)),
        h(
          "div",
          null,
          h("strong", null, describe(e)),
          e.type === "acknowledged" || e.type === "silenced" ? null : [" ", statusBadge(e.status)],
          e.message ? h("div", { className: "msg" }, e.message) : null,
          e.suppressed ? h("div", { className: "small" }, `Alerts held back: ${e.suppressed}`) : null,
          e.notifications.length === 0
            ? null
            : h(
                "ul",
                { className: "deliveries" },
                e.notifications.map((n) =>
                  h(
                    "li",
                    null,
                    `${n.handler}: ${n.status}`,
                    n.deliveredAt ? `, ${dateTime(n.deliveredAt)}` : null,
                    n.lastError ? h("span", { className: "error" }, ` (${n.lastError})`) : null,
                  ),
                ),
              ),
        ),
      ),
    ),
  );
}

/** The words and colour of an incident's state. */
function stateBadge(incident: Incident): HTMLElement {
  const css =
    incident.state === "resolved" ? "s-ok" : incident.state === "open" ? `s-${incident.status}` : "s-unknown";
  return h("span", { className: `badge ${css}` }, incident.state);
}

/**
 * One incident: which monitor, its state, when it opened and for how long, who acknowledged it, its
 * timeline, and the actions the token may take on it (none for a read-only token or another team's).
 */
export function incidentCard(
  incident: Incident,
  options: {
    me: Me | undefined;
    headingLevel: "h2" | "h3";
    changed: () => void;
    /** Whether the card offers Silence and Schedule maintenance (not where the page offers them already). */
    silenceActions?: boolean;
  },
): HTMLElement {
  const headingId = `incident-${incident.key}`;
  const open = incident.state !== "resolved";
  const lasted = (incident.resolvedAt ?? Date.now()) - incident.openedAt;
  const actions =
    open && options.me && mayOperate(options.me, incident.team)
      ? h(
          "div",
          { className: "actions", role: "group", "aria-label": `Actions on ${incident.monitor}` },
          incident.state === "open" ? ackButton(incident, options.changed) : null,
          options.silenceActions === false ? null : silenceForm(incident, options.changed),
          options.silenceActions === false ? null : maintenanceForm(incident, options.changed),
        )
      : null;
  return h(
    "article",
    { className: `incident is-${incident.state}`, "aria-labelledby": headingId, "data-key": incident.key },
    h(
      options.headingLevel,
      { id: headingId },
      h("a", { href: `#/monitor/${seg(incident.module)}/${seg(incident.monitor)}` }, incident.monitor),
      h("span", { className: "small" }, ` in ${incident.module}`),
    ),
    h(
      "p",
      { className: "incident-facts" },
      stateBadge(incident),
      " ",
      statusBadge(open ? incident.status : incident.worst),
      ` Opened ${dateTime(incident.openedAt)} (${ago(incident.openedAt)}), `,
      open ? `open for ${duration(lasted)}` : `lasted ${duration(lasted)}`,
      incident.acknowledged ? `, acknowledged by ${who(incident.acknowledged)}` : null,
    ),
    actions,
    h("details", { open: open || undefined }, h("summary", null, "Timeline"), incidentTimeline(incident)),
  );
}
