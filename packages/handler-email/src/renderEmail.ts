import { renderTemplate, type Transition, templateValues } from "@amstaff/core";
import { escapeHtml } from "./escapeHtml.js";
import { defaultReminderSubject, defaultSubject } from "./options.js";

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

const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;
const maxSubjectLength = 250;

const statusColors: Record<string, string> = {
  ok: "#1e7d32",
  warning: "#b26a00",
  critical: "#c62828",
  unknown: "#5f6368",
  pending: "#5f6368",
};

/**
 * Renders the subject, plain-text and HTML bodies of the email for a transition. Template variables
 * filled into `html` are HTML-escaped; the built-in layouts escape everything that comes from a
 * monitor (names, messages, tags, links).
 */
export function renderEmail(transition: Transition, templates: EmailTemplates = {}): RenderedEmail {
  const reminder = transition.kind === "reminder";
  const fallback = reminder ? defaultReminderSubject : defaultSubject;
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
  return template.replace(placeholder, (match, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    return value === undefined ? match : escapeHtml(value);
  });
}

interface Row {
  label: string;
  value: string;
  href?: string | undefined;
}

function headline(transition: Transition): string {
  const to = transition.to.toUpperCase();
  const name = `${transition.module} / ${transition.monitor}`;
  if (transition.kind === "reminder") return `Still ${to}: ${name}`;
  return `${to}: ${name}`;
}

function rows(transition: Transition): Row[] {
  const values = templateValues(transition);
  const out: Row[] = [];
  const status =
    transition.kind === "reminder"
      ? `${transition.to} (reminder: the incident is still open)`
      : transition.from === "pending"
        ? `${transition.to} (first status)`
        : `${transition.to} (was ${transition.from}${values.duration ? ` for ${values.duration}` : ""})`;
  out.push({ label: "Status", value: status });
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
  const color = statusColors[transition.to] ?? "#5f6368";
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
<h2 style="margin:0 0 12px 0"><span style="background:${color};color:#ffffff;padding:2px 8px;border-radius:3px">${escapeHtml(transition.kind === "reminder" ? `STILL ${transition.to.toUpperCase()}` : transition.to.toUpperCase())}</span> ${escapeHtml(`${transition.module} / ${transition.monitor}`)}</h2>
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
