import { formatIssues } from "@amstaff/core";
import { z } from "zod";

/** One series of a `/render?format=json` answer: its name and `[value, timestamp]` datapoints. */
export interface RenderSeries {
  /** The series' name, e.g. `"servers.web1.cpu"` or `"sumSeries(servers.*.cpu)"`. */
  target: string;
  /** `[value, timestamp]` pairs, oldest first; `value` is `null` where Graphite has no data. */
  datapoints: [number | null, number][];
}

// Graphite writes infinities as 1e9999, which JSON.parse reads as Infinity (z.number() would refuse it);
// aggregation skips them like nulls.
const datapointValue = z.custom<number>((value) => typeof value === "number", "a number or null").nullable();

const renderResponseSchema = z.array(
  z.looseObject({
    target: z.string(),
    datapoints: z.array(z.tuple([datapointValue, z.number()]).rest(z.unknown())),
  }),
);

/** What {@link parseRenderResponse} makes of a body: the series, or why it is not a render answer. */
export type ParsedRender = { ok: true; series: RenderSeries[] } | { ok: false; reason: string };

/** Parses the body of a `/render?format=json` answer. Never throws. */
export function parseRenderResponse(body: string): ParsedRender {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `the body is not JSON (${why})` };
  }
  const parsed = renderResponseSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `the JSON is not a list of { target, datapoints } series (${formatIssues(parsed.error.issues.slice(0, 3))})`,
    };
  }
  return {
    ok: true,
    series: parsed.data.map(({ target, datapoints }) => ({
      target,
      datapoints: datapoints.map(([value, timestamp]) => [value, timestamp]),
    })),
  };
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** How much of an error body is read for an excerpt: its beginning and its end (where a traceback ends). */
const maxScannedChars = 256 * 1024;

/**
 * The body without `<script>` and `<style>` elements, in one pass. `/<(script|style)[\s\S]*?<\/\1>/gi`
 * rescanned to the end of the body from every unclosed `<script`: quadratic on a page the target (a
 * module's URL) writes.
 */
function withoutScripts(html: string): string {
  const opening = /<(script|style)/gi;
  const mayClose = { script: true, style: true };
  let out = "";
  let at = 0;
  for (let open = opening.exec(html); open !== null; open = opening.exec(html)) {
    const tag = (open[1] ?? "").toLowerCase() as keyof typeof mayClose;
    if (!mayClose[tag]) continue;
    const closing = new RegExp(`</${tag}>`, "gi");
    closing.lastIndex = open.index;
    const close = closing.exec(html);
    if (close === null) {
      mayClose[tag] = false;
      continue;
    }
    out += html.slice(at, open.index);
    at = close.index + close[0].length;
    opening.lastIndex = at;
  }
  return out + html.slice(at);
}

function decodeEntity(match: string, entity: string): string {
  const hex = entity.startsWith("#x") || entity.startsWith("#X");
  if (hex || entity.startsWith("#")) {
    const code = Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  }
  return entities[entity.toLowerCase()] ?? match;
}

/**
 * A short, single-line excerpt of an error body Graphite sent, for a result's message: its text without
 * HTML and, for graphite-web's HTML traceback, the exception line at its end (what a user can act on).
 * Reads at most the first and last 128 KiB, in time linear in them.
 */
export function errorExcerpt(body: string, maxLength = 200): string {
  const scanned =
    body.length > maxScannedChars
      ? `${body.slice(0, maxScannedChars / 2)}\n${body.slice(-maxScannedChars / 2)}`
      : body;
  // `<[^<>]*>`, not `<[^>]*>`: a run of `<` without `>` made each `<` scan to the end of the body.
  const text = withoutScripts(scanned)
    .replace(/<[^<>]*>/g, "\n")
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, decodeEntity);
  const lines = text
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line !== "");
  const traceback = lines.findIndex((line) => line.startsWith("Traceback (most recent call last)"));
  const chosen = traceback >= 0 ? (lines.at(-1) ?? "") : lines.join(" ");
  return chosen.length > maxLength ? `${chosen.slice(0, maxLength - 1)}…` : chosen;
}
