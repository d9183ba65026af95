import {
  formatDuration,
  type NotificationKind,
  recoveryOf,
  renderTemplate,
  type Transition,
  templateValues,
} from "@amstaff/core";
import { escapeHtml } from "./escapeHtml.js";
import {
  defaultAcknowledgedSubject,
  defaultEscalationSubject,
  defaultFlappingSubject,
  defaultReminderSubject,
  defaultSubject,
} from "./options.js";

/** The templates of an email; unset ones use the built-in layout. */
export interface EmailTemplates {
  subject?: string | undefined;
  text?: string | undefined;
  html?: string | undefined;
}

/** The rendered parts of one notification email. */
export interface RenderedEmail {
  subject: string;
  text: string;
  /** Absent when only a `text` template was configured: the email is then plain text. */
  html?: string | undefined;
}

// Linear, like @amstaff/core's: `\s*` around a lazy name backtracked cubically on `{{` and many spaces.
const placeholder = /\{\{([^{}]*)\}\}/g;
const maxSubjectLength = 250;

const statusColors: Record<string, string> = {
  ok: "#1e7d32",
  warning: "#b26a00",
  critical: "#c62828",
  unknown: "#5f6368",
  pending: "#5f6368",
  flapping: "#b26a00",
};

const defaultSubjects: Record<NotificationKind, string> = {
  transition: defaultSubject,
  reminder: defaultReminderSubject,
  escalation: defaultEscalationSubject,
  flapping: defaultFlappingSubject,
  acknowledged: defaultAcknowledgedSubject,
};

/**
 * Renders the subject, plain-text and HTML bodies of the email for a transition. Template variables
 * filled into `html` are HTML-escaped; the built-in layouts escape everything that comes from a
 * monitor (names, messages, tags, links).
 */
export function renderEmail(transition: Transition, templates: EmailTemplates = {}): RenderedEmail {
  const fallback = defaultSubjects[transition.kind ?? "transition"];
  const rendered = oneLine(renderTemplate(templates.subject ?? fallback, transition));
  const subject = truncate(
    rendered === "" ? oneLine(renderTemplate(fallback, transition)) : rendered,
    maxSubjectLength,
  );
  if (templates.text !== undefined && templates.html === undefined) {
    return { subject, text: renderTemplate(templates.text, transition) };
  }
  const text =
    templates.text === undefined ? defaultText(transition) : renderTemplate(templates.text, transition);
  const html =
    templates.html === undefined ? defaultHtml(transition) : renderHtmlTemplate(templates.html, transition);
  return { subject, text, html };
}

/** Fills a template's `{{variables}}` with HTML-escaped values. Unknown placeholders are left as they are. */
export function renderHtmlTemplate(template: string, transition: Transition): string {
  const values: Record<string, string | undefined> = templateValues(transition);
  return template.replace(placeholder, (match, raw: string) => {
    const name = raw.trim();
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    return value === undefined ? match : escapeHtml(value);
  });
}

interface Row {
  label: string;
  value: string;
  href?: string | undefined;
}

/** What the email is about, e.g. `CRITICAL`, `Still CRITICAL`, `CRITICAL (escalated)`, `FLAPPING`. */
function label(transition: Transition): string {
  const to = transition.to.toUpperCase();
  switch (transition.kind) {
    case "reminder":
      return `Still ${to}`;
    case "escalation":
      return `${to} (escalated)`;
    case "flapping":
      return "FLAPPING";
    case "acknowledged":
      return `${to} (acknowledged)`;
    default:
      return to;
  }
}

/** One line naming a notification, e.g. `CRITICAL: Shop / API`. */
export function headline(transition: Transition): string {
  return `${label(transition)}: ${transition.module} / ${transition.monitor}`;
}

function status(transition: Transition, duration: string): string {
  const { from, to } = transition;
  switch (transition.kind) {
    case "reminder":
      return `${to} (reminder: the incident is still open)`;
    case "escalation": {
      const opened = transition.incident?.openedAt ?? transition.since;
      return `${to} (escalated: failing since ${new Date(opened).toISOString()}, not acknowledged)`;
    }
    case "flapping":
      return `flapping, now ${to} (changes are held back until the monitor settles)`;
    case "acknowledged":
      return `${to} (acknowledged: reminders and escalation stop; the resolve still comes)`;
    default: {
      const recovery = recoveryOf(transition);
      if (recovery) {
        // The recovery of the whole incident, from its worst status, also after flapping.
        const worst = recovery.from ? ` from ${recovery.from}` : "";
        const lasted =
          recovery.durationMs === undefined ? "" : ` after ${formatDuration(recovery.durationMs)}`;
        return `${to} (recovered${worst}${lasted})`;
      }
      if (from === "pending") return `${to} (first status)`;
      // Only the end of flapping sends a change whose status is the one before.
      if (from === to) return `${to} (no longer flapping)`;
      return `${to} (was ${from}${duration ? ` for ${duration}` : ""})`;
    }
  }
}

function rows(transition: Transition): Row[] {
  const values = templateValues(transition);
  const out: Row[] = [];
  out.push({ label: "Status", value: status(transition, values.duration) });
  if (values.value) out.push({ label: "Value", value: values.value });
  out.push({ label: "Since", value: values.since });
  if (transition.incident) {
    out.push({
      label: "Incident",
      value: `${transition.incident.key} (opened ${new Date(transition.incident.openedAt).toISOString()})`,
    });
    const ack = transition.incident.acknowledged;
    if (ack) {
      out.push({ label: "Acknowledged", value: `by ${ack.by} at ${new Date(ack.at).toISOString()}` });
    }
  }
  if (values.tags) out.push({ label: "Tags", value: values.tags });
  if (values.link) {
    out.push({ label: "Link", value: values.link, href: isWebLink(values.link) ? values.link : undefined });
  }
  return out;
}

function defaultText(transition: Transition): string {
  const lines = [headline(transition), "", transition.result.message, ""];
  const list = rows(transition);
  const width = Math.max(...list.map((r) => r.label.length)) + 2;
  for (const row of list) lines.push(`${`${row.label}:`.padEnd(width)}${row.value}`);
  lines.push("", "-- ", "Sent by Amstaff. Replies to this email are not read by Amstaff.");
  return `${lines.join("\n")}\n`;
}

function defaultHtml(transition: Transition): string {
  const color =
    (transition.kind === "flapping" ? statusColors.flapping : statusColors[transition.to]) ?? "#5f6368";
  const cell = "padding:4px 12px 4px 0;vertical-align:top";
  const body = rows(transition)
    .map((row) => {
      const value = row.href
        ? `<a href="${escapeHtml(row.href)}">${escapeHtml(row.value)}</a>`
        : escapeHtml(row.value);
      return `<tr><th align="left" style="${cell};color:#5f6368;font-weight:normal">${escapeHtml(row.label)}</th><td style="${cell}">${value}</td></tr>`;
    })
    .join("\n");
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${escapeHtml(headline(transition))}</title></head>
<body style="font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:14px;color:#202124">
<h2 style="margin:0 0 12px 0"><span style="background:${color};color:#ffffff;padding:2px 8px;border-radius:3px">${escapeHtml(label(transition).toUpperCase())}</span> ${escapeHtml(`${transition.module} / ${transition.monitor}`)}</h2>
<p style="font-size:16px;margin:0 0 16px 0;white-space:pre-wrap">${escapeHtml(transition.result.message)}</p>
<table cellspacing="0" cellpadding="0" style="border-collapse:collapse">
${body}
</table>
<p style="color:#5f6368;font-size:12px;margin-top:24px">Sent by Amstaff. Replies to this email are not read by Amstaff.</p>
</body>
</html>
`;
}

function isWebLink(link: string): boolean {
  if (!URL.canParse(link)) return false;
  const { protocol } = new URL(link);
  return protocol === "http:" || protocol === "https:";
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
