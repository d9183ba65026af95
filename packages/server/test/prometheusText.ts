/** One sample line of the Prometheus text format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: metric families (HELP, TYPE) and every sample. */
export interface PromExposition {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: PromSample[];
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

// Like Prometheus (Go's strconv.ParseFloat), special values are case-insensitive: prom-client writes
// NaN as "Nan" (an event-loop-lag gauge before its first sample, for one).
function parseValue(text: string): number {
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a number: ${text}`);
  return value;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  labelPair.lastIndex = 0;
  while (labelPair.lastIndex < text.length) {
    const match = labelPair.exec(text);
    if (!match) throw new Error(`bad labels in: ${line}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

/**
 * Parses the Prometheus text exposition format (version 0.0.4), strictly: a line that is neither a
 * comment nor a well-formed sample throws, so a malformed scrape fails the test.
 */
export function parsePrometheusText(text: string): PromExposition {
  const exposition: PromExposition = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const comment = /^#\s+(HELP|TYPE)\s+(\S+)\s+(.*)$/.exec(line);
    if (comment) {
      (comment[1] === "HELP" ? exposition.help : exposition.type).set(comment[2]!, comment[3]!);
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    exposition.samples.push({
      name: match[1]!,
      labels: match[2] ? parseLabels(match[2], line) : {},
      value: parseValue(match[3]!),
    });
  }
  return exposition;
}

/** The samples of `name` whose labels include `labels`. */
export function samplesOf(
  exposition: PromExposition,
  name: string,
  labels: Record<string, string> = {},
): PromSample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The value of the one sample of `name` with `labels`; undefined when there is none. */
export function metricValue(
  exposition: PromExposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samplesOf(exposition, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
