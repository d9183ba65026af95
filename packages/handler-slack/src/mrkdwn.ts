/**
 * Escapes text for Slack's `mrkdwn`: `&`, `<` and `>` are the only characters Slack requires escaping, and
 * leaving them lets a monitor's message inject mentions (`<!channel>`) or links into an alert.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Shortens text to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A timestamp Slack renders in each reader's own time zone, with an ISO 8601 UTC fallback for clients
 * that cannot (notifications, old clients).
 */
export function slackDate(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(ms);
  const iso = date.toISOString().replace(/\.\d{3}Z$/, "Z");
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${iso}>`;
}
