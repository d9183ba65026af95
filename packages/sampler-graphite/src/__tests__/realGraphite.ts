import { connect } from "node:net";

const howToStart =
  "`pnpm test` starts one itself (scripts/testServices.ts); to run a test file directly, " +
  "run `packages/sampler-graphite/scripts/graphite.sh install start` (as root; it prints the URL) and " +
  "export AMSTAFF_GRAPHITE_URL=<that URL>, e.g. " +
  'AMSTAFF_GRAPHITE_URL="$(packages/sampler-graphite/scripts/graphite.sh install start)"';

/** Where the real Graphite of the test suite is: graphite-web's URL, and carbon's plaintext address. */
export interface RealGraphite {
  url: string;
  carbon: { host: string; port: number };
}

/**
 * The real Graphite the tests talk to, from `AMSTAFF_GRAPHITE_URL` (and `AMSTAFF_GRAPHITE_CARBON`,
 * `host:port`, default port 2003 on the URL's host). Throws, saying how to start one, when it is not set
 * or does not answer: CI must run these tests, never skip them.
 */
export async function realGraphite(): Promise<RealGraphite> {
  const url = process.env.AMSTAFF_GRAPHITE_URL;
  if (!url)
    throw new Error(`AMSTAFF_GRAPHITE_URL is not set. The real-Graphite tests need one: ${howToStart}`);
  const parsed = new URL(url);
  const [host = parsed.hostname, port = "2003"] = (process.env.AMSTAFF_GRAPHITE_CARBON ?? "")
    .split(":")
    .filter(Boolean);
  try {
    const response = await fetch(
      new URL(`render?target=amstaff.ping&format=json`, url.endsWith("/") ? url : `${url}/`),
      {
        signal: AbortSignal.timeout(5000),
      },
    );
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    await response.json();
  } catch (error) {
    throw new Error(
      `Graphite at AMSTAFF_GRAPHITE_URL=${url} does not answer /render (${String(error)}): ${howToStart}`,
    );
  }
  return { url, carbon: { host: host.replace(/^\[|\]$/g, ""), port: Number(port) } };
}

/** Sends `metric value timestamp` lines to carbon's plaintext listener and waits until it has them all. */
export async function feedCarbon(
  carbon: RealGraphite["carbon"],
  points: readonly { metric: string; value: number; timestamp: number }[],
): Promise<void> {
  const text = points.map(({ metric, value, timestamp }) => `${metric} ${value} ${timestamp}\n`).join("");
  await new Promise<void>((resolve, reject) => {
    const socket = connect(carbon.port, carbon.host, () => socket.end(text));
    socket.setTimeout(5000, () =>
      socket.destroy(new Error(`carbon at ${carbon.host}:${carbon.port} timed out`)),
    );
    socket.on("error", reject);
    socket.on("close", () => resolve());
  });
}

/**
 * Polls `/render` until `target` returns `datapoints` non-null points in total (carbon writes new metrics
 * asynchronously), at most `attempts` times 100 ms apart.
 */
export async function waitForDatapoints(
  url: string,
  target: string,
  datapoints: number,
  attempts = 150,
): Promise<void> {
  const render = new URL("render", url.endsWith("/") ? url : `${url}/`);
  render.search = new URLSearchParams({ target, from: "-10min", format: "json" }).toString();
  let seen = 0;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const response = await fetch(render, { signal: AbortSignal.timeout(5000) });
    const series = (await response.json()) as { datapoints: [number | null, number][] }[];
    seen = series.flatMap((s) => s.datapoints).filter(([value]) => value !== null).length;
    if (seen >= datapoints) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Graphite at ${url} shows ${seen} of the ${datapoints} datapoints fed for ${target}`);
}
