import {
  checkThresholds,
  type JsonValue,
  type ProbeContext,
  parseDuration,
  parsePluginOptions,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
  type SampleStatus,
  worstStatus,
} from "@amstaff/core";
import {
  type IcmpSamplerOptions,
  icmpPluginId,
  icmpSamplerOptionsSchema,
  type ParsedIcmpSamplerOptions,
} from "./options.js";
import { isNotPermitted, type PingReport, parsePingOutput, pingFailure } from "./pingOutput.js";
import { runPing } from "./pingProcess.js";

/** What {@link icmpSampler} takes besides the options: the sampler's identity. */
export interface IcmpSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "icmp <host>"
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

/** Milliseconds with at most three decimals: loopback round trips are a few microseconds. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** What an operator can do when ping may not send ICMP, for the result's message. */
const allowIcmp =
  'allow unprivileged ICMP with `sysctl -w net.ipv4.ping_group_range="0 2147483647"`, or give ping the ' +
  "capability with `setcap cap_net_raw+ep $(command -v ping)`";

/** The round trips of a report, summarised. */
function roundTrips(report: PingReport): { minMs: number; avgMs: number; maxMs: number } | undefined {
  const times = report.roundTripsMs;
  if (times.length === 0) return undefined;
  const sum = times.reduce((total, time) => total + time, 0);
  return { minMs: ms(Math.min(...times)), avgMs: ms(sum / times.length), maxMs: ms(Math.max(...times)) };
}

/**
 * Creates an ICMP sampler from options already validated, as the plugin's `create` receives them. Most code
 * wants {@link icmpSampler} instead.
 */
export function createIcmpSampler(
  options: ParsedIcmpSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  const { host, pingPath } = options;
  const intervalMs = parseDuration(options.interval);
  const timeoutMs = parseDuration(options.timeout);

  /** A run whose output has no summary: ping could not even start pinging. */
  function failedRun(
    stderr: string,
    code: number | null,
    stopped: boolean,
  ): { status: SampleStatus; message: string } {
    const reason =
      pingFailure(stderr) || (stopped ? "it did not finish in time" : `it exited with code ${code}`);
    if (isNotPermitted(stderr)) {
      return {
        status: "unknown",
        message: `ping may not send ICMP on this machine (${reason}): ${allowIcmp}`,
      };
    }
    // Name resolution failures and "Network is unreachable" land here: the target cannot be reached.
    return { status: "critical", message: `ping ${host} failed: ${reason}` };
  }

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const exit = await runPing({
      pingPath,
      host,
      family: options.family,
      count: options.count,
      intervalMs,
      timeoutMs,
      signal: context?.signal,
    });
    const durationMs = Math.round(performance.now() - started);
    const base: Record<string, JsonValue> = { host };
    if (context?.signal.aborted)
      return results.unknown(`ping of ${host} aborted`, { durationMs, timestamp, details: base });
    if (!exit.started) {
      const message =
        exit.error.code === "ENOENT"
          ? `no ping executable "${pingPath}" found: install it (Debian and Ubuntu: apt-get install iputils-ping) or set pingPath`
          : `could not run ${pingPath}: ${exit.error.message}`;
      return results.unknown(message, { durationMs, timestamp, details: base });
    }
    const report = parsePingOutput(exit.stdout);
    if (report === undefined) {
      const { status, message } = failedRun(exit.stderr, exit.code, exit.stopped);
      return results.of(status, message, { durationMs, timestamp, details: base });
    }
    const { transmitted, received } = report;
    const lossPercent = transmitted === 0 ? 100 : Math.round((1 - received / transmitted) * 1000) / 10;
    const trips = roundTrips(report);
    const details: Record<string, JsonValue> = {
      ...base,
      ...(report.address === undefined ? {} : { address: report.address }),
      transmitted,
      received,
      lossPercent,
      ...(trips === undefined
        ? {}
        : { roundTripMinMs: trips.minMs, roundTripAvgMs: trips.avgMs, roundTripMaxMs: trips.maxMs }),
      ...(report.firstError === undefined ? {} : { error: report.firstError }),
    };
    if (received === 0 || trips === undefined) {
      const why = report.firstError === undefined ? "" : `; ${report.firstError}`;
      return results.critical(`no reply from ${host} (${transmitted} of ${transmitted} packets lost${why})`, {
        durationMs,
        timestamp,
        details,
      });
    }
    const summary = `${host}: ${received}/${transmitted} replies, ${lossPercent}% loss, round trip ${trips.avgMs} ms (min ${trips.minMs}, max ${trips.maxMs})`;
    const reached: { status: SampleStatus; note: string }[] = [];
    if (options.packetLoss) {
      const { status, threshold } = checkThresholds(lossPercent, options.packetLoss);
      if (status !== "ok")
        reached.push({ status, note: `loss reaching the ${status} threshold of ${threshold}%` });
    }
    if (options.roundTrip) {
      const { status, threshold } = checkThresholds(trips.avgMs, options.roundTrip);
      if (status !== "ok")
        reached.push({ status, note: `round trip reaching the ${status} threshold of ${threshold} ms` });
    }
    const status = worstStatus(["ok", ...reached.map((r) => r.status)]);
    const message = [summary, ...reached.map((r) => r.note)].join(", ");
    return results.of(status, message, { value: trips.avgMs, durationMs, timestamp, details });
  }

  return {
    name: identity.name ?? `icmp ${host}`,
    tags: [...(identity.tags ?? [])],
    probe,
  };
}

/**
 * Creates a sampler that pings a host `count` times with the system's `ping` (iputils or BusyBox) and judges
 * the packet loss and the average round trip. Use it on its own, in any Node.js program; module files use
 * {@link icmp} instead.
 *
 * Losing every packet is `critical`. The sampler never throws from `probe()`: a host that cannot be resolved
 * or reached is `critical`; a machine where ping may not send ICMP, or has no ping, is `unknown` with what to
 * allow or install; an aborted probe is `unknown`.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 *
 * @example
 * ```ts
 * import { icmpSampler } from "@amstaff/sampler-icmp";
 *
 * const router = icmpSampler({ host: "10.0.0.1", count: 5, packetLoss: { warning: 20, critical: 60 } });
 * const result = await router.probe();
 * console.log(result.status, result.message);
 * // "ok" "10.0.0.1: 5/5 replies, 0% loss, round trip 0.41 ms (min 0.3, max 0.52)"
 * ```
 */
export function icmpSampler(options: IcmpSamplerOptions & IcmpSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: icmpPluginId, options: icmpSamplerOptionsSchema }, rest);
  return createIcmpSampler(parsed, {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
