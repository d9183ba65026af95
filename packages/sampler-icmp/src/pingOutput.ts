/**
 * Reading what `ping` prints (in the C locale), from iputils (Debian, Ubuntu, Fedora, ...) and BusyBox (Alpine):
 *
 * ```text
 * PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.                   PING 127.0.0.1 (127.0.0.1): 56 data bytes
 * 64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.035 ms           64 bytes from 127.0.0.1: seq=0 ttl=64 time=0.061 ms
 * From 10.0.0.1 icmp_seq=2 Destination Host Unreachable
 * --- 127.0.0.1 ping statistics ---                                  --- 127.0.0.1 ping statistics ---
 * 3 packets transmitted, 2 received, +1 errors, 33% packet loss, ... 3 packets transmitted, 3 packets received, 0% packet loss
 * rtt min/avg/max/mdev = 0.023/0.035/0.047/0.009 ms                  round-trip min/avg/max = 0.061/0.070/0.082 ms
 * ```
 *
 * Only the summary's counts are relied on; the round trips are computed from the reply lines, so a ping that
 * was stopped before its summary (or a variant that words it differently) still yields them.
 */

/** What one run of `ping` reported. */
export interface PingReport {
  /** The address pinged, when `ping` named it (a host name resolved). */
  address?: string;
  /** Echo requests sent. */
  transmitted: number;
  /** Echo replies received. */
  received: number;
  /** The round-trip time of every reply, in milliseconds, in the order received. */
  roundTripsMs: number[];
  /** The first error a router reported instead of a reply, like `Destination Host Unreachable`. */
  firstError?: string;
}

const headerPattern = /^PING \S+ ?\(([0-9a-fA-F:.]+)\)/m;
const replyPattern = /^\d+ bytes from .*\btime[=<]([\d.]+) ?ms/gm;
const summaryPattern = /^(\d+) packets transmitted, (\d+) (?:packets )?received/m;
const errorPattern = /^From \S+:? (?:icmp_seq|seq)=\d+ (.+)$/m;

/** Reads a run's output; `undefined` when it has no summary line (ping never got to send). */
export function parsePingOutput(output: string): PingReport | undefined {
  const summary = summaryPattern.exec(output);
  if (summary === null) return undefined;
  const address = headerPattern.exec(output)?.[1];
  const firstError = errorPattern.exec(output)?.[1]?.trim();
  return {
    ...(address === undefined ? {} : { address }),
    transmitted: Number(summary[1]),
    received: Number(summary[2]),
    roundTripsMs: [...output.matchAll(replyPattern)].map((match) => Number(match[1])),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/**
 * Why `ping` could not run, from what it printed on stderr: the first line that says something, without
 * the `ping: ` prefix.
 */
export function pingFailure(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.replace(/^ping: /, "").trim())
    .filter((line) => line !== "" && !/^socktype:/.test(line));
  return lines.join("; ");
}

/** Whether `ping` failed because it may not open an ICMP socket (no capability, unprivileged ICMP off). */
export function isNotPermitted(stderr: string): boolean {
  return /operation not permitted|permission denied|cap_net_raw|are you root/i.test(stderr);
}
