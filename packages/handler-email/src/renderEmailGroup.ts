import type { NotificationGroup } from "@amstaff/core";
import { escapeHtml } from "./escapeHtml.js";
import { headline, type RenderedEmail } from "./renderEmail.js";

/**
 * Renders one email for a group of notifications (a handler with `group`): a subject that counts them
 * by status, and a list of their headlines and messages.
 */
export function renderEmailGroup(group: NotificationGroup): RenderedEmail {
  const transitions = group.notifications.map((n) => n.transition);
  const counts = new Map<string, number>();
  for (const t of transitions) counts.set(t.to.toUpperCase(), (counts.get(t.to.toUpperCase()) ?? 0) + 1);
  const summary = [...counts].map(([status, count]) => `${count} ${status}`).join(", ");
  const scope = Object.values(group.labels).filter(Boolean).join(" / ");
  const subject = `[${summary}] ${scope || (transitions[0]?.module ?? "")}: ${transitions.length} notifications`;
  const lines = transitions.map((t) => `- ${headline(t)}: ${t.result.message}`);
  const text = `${subject}\n\n${lines.join("\n")}\n\n-- \nSent by Amstaff. Replies to this email are not read by Amstaff.\n`;
  const items = transitions
    .map((t) => `<li><strong>${escapeHtml(headline(t))}</strong>: ${escapeHtml(t.result.message)}</li>`)
    .join("\n");
  const html = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:14px;color:#202124">
<h2 style="margin:0 0 12px 0">${escapeHtml(subject)}</h2>
<ul>
${items}
</ul>
<p style="color:#5f6368;font-size:12px;margin-top:24px">Sent by Amstaff. Replies to this email are not read by Amstaff.</p>
</body>
</html>
`;
  return { subject, text, html };
}
