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

/**
 * A short, single-line excerpt of an error body Graphite sent, for a result's message: its text without
 * HTML and, for graphite-web's HTML traceback, the exception line at its end (what a user can act on).
 */
export function errorExcerpt(body: string, maxLength = 200): string {
  const text = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<[^>]*>/g, "\n")
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, entity: string) => {
      if (entity.startsWith("#x") || entity.startsWith("#X"))
        return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
      if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
      return entities[entity.toLowerCase()] ?? match;
    });
  const lines = text
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line !== "");
  const traceback = lines.findIndex((line) => line.startsWith("Traceback (most recent call last)"));
  const chosen = traceback >= 0 ? (lines.at(-1) ?? "") : lines.join(" ");
  return chosen.length > maxLength ? `${chosen.slice(0, maxLength - 1)}…` : chosen;
}
