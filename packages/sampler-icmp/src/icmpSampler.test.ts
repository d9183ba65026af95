import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { fakePing } from "./__tests__/fakePing.js";
import { icmpSampler } from "./icmpSampler.js";

const fast = { count: 3, interval: "200ms", timeout: "1s" } as const;

/** Whether ::1 is configured on loopback (some containers run without IPv6). */
const hasIpv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((address) => address?.address === "::1");

describe("ping (the system's iputils ping)", () => {
  it("is ok when 127.0.0.1 answers every packet, with the average round trip as value", async () => {
    const result = await icmpSampler({ host: "127.0.0.1", ...fast }).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(
      /^127\.0\.0\.1: 3\/3 replies, 0% loss, round trip [\d.]+ ms \(min [\d.]+, max [\d.]+\)$/,
    );
    expect(result.value).toBeTypeOf("number");
    expect(result.details).toMatchObject({
      host: "127.0.0.1",
      address: "127.0.0.1",
      transmitted: 3,
      received: 3,
      lossPercent: 0,
      roundTripAvgMs: result.value,
    });
  });

  it.runIf(hasIpv6Loopback)("pings ::1 over IPv6", async () => {
    const result = await icmpSampler({ host: "::1", family: "ipv6", ...fast }).probe();
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({ address: "::1", received: 3 });
  });

  it("pings a host name over the family asked for", async () => {
    const result = await icmpSampler({ host: "localhost", family: "ipv4", count: 1, timeout: "1s" }).probe();
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({ host: "localhost", address: "127.0.0.1" });
  });

  it("judges the round trip against its thresholds", async () => {
    // Every loopback round trip takes more than a microsecond.
    const result = await icmpSampler({
      host: "127.0.0.1",
      ...fast,
      roundTrip: { warning: 0.001, critical: 1000 },
    }).probe();
    expect(result.status).toBe("warning");
    expect(result.message).toMatch(/, round trip reaching the warning threshold of 0\.001 ms$/);
  });

  it("is critical, within count × interval + timeout, when a TEST-NET address never answers", async () => {
    const started = performance.now();
    const result = await icmpSampler({
      host: "198.51.100.7",
      count: 2,
      interval: "200ms",
      timeout: "500ms",
    }).probe();
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.status).toBe("critical");
    // Depending on the network, either silence (a lost packet) or a router's "unreachable"; either way no reply.
    expect(result.message).toMatch(
      /^(no reply from 198\.51\.100\.7 \(2 of 2 packets lost|ping 198\.51\.100\.7 failed: )/,
    );
    expect(result.value).toBeUndefined();
  });

  it("is critical when the host name does not resolve", async () => {
    const result = await icmpSampler({ host: "nowhere.invalid", count: 1 }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(/^ping nowhere\.invalid failed: nowhere\.invalid: /);
  });

  it("is named after its host unless given a name", () => {
    expect(icmpSampler({ host: "10.0.0.1" }).name).toBe("icmp 10.0.0.1");
    expect(icmpSampler({ host: "10.0.0.1", name: "router" }).name).toBe("router");
  });
});

describe("ping's output and failures (a stand-in ping)", () => {
  it("passes count, interval, timeout and family to ping, in the C locale", async () => {
    await using ping = await fakePing('echo "$LC_ALL $*" >&2; exit 2');
    const result = await icmpSampler({
      host: "10.0.0.1",
      family: "ipv4",
      count: 4,
      interval: "250ms",
      timeout: "1500ms",
      pingPath: ping.path,
    }).probe();
    expect(result.message).toBe("ping 10.0.0.1 failed: C -4 -n -c 4 -i 0.25 -W 1.5 10.0.0.1");
  });

  it("reports partial loss and judges it against its thresholds", async () => {
    await using ping = await fakePing(`cat <<'OUT'
PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.
64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1.20 ms
64 bytes from 10.0.0.1: icmp_seq=3 ttl=64 time=1.60 ms

--- 10.0.0.1 ping statistics ---
4 packets transmitted, 2 received, 50% packet loss, time 3004ms
rtt min/avg/max/mdev = 1.200/1.400/1.600/0.200 ms
OUT
exit 1`);
    const target = { host: "10.0.0.1", count: 4, pingPath: ping.path };
    const reported = await icmpSampler(target).probe();
    expect(reported.status).toBe("ok");
    expect(reported.message).toBe("10.0.0.1: 2/4 replies, 50% loss, round trip 1.4 ms (min 1.2, max 1.6)");
    const judged = await icmpSampler({ ...target, packetLoss: { warning: 10, critical: 50 } }).probe();
    expect(judged.status).toBe("critical");
    expect(judged.message).toBe(
      "10.0.0.1: 2/4 replies, 50% loss, round trip 1.4 ms (min 1.2, max 1.6), loss reaching the critical threshold of 50%",
    );
  });

  it("reads BusyBox's ping", async () => {
    await using ping = await fakePing(
      `printf 'PING 10.0.0.1 (10.0.0.1): 56 data bytes\\n64 bytes from 10.0.0.1: seq=0 ttl=64 time=0.612 ms\\n\\n--- 10.0.0.1 ping statistics ---\\n1 packets transmitted, 1 packets received, 0%% packet loss\\nround-trip min/avg/max = 0.612/0.612/0.612 ms\\n'`,
    );
    const result = await icmpSampler({ host: "10.0.0.1", count: 1, pingPath: ping.path }).probe();
    expect(result.status).toBe("ok");
    expect(result.value).toBe(0.612);
  });

  it("is unknown, saying what to allow, when ping may not send ICMP", async () => {
    await using ping = await fakePing(
      "echo 'ping: socktype: SOCK_RAW' >&2; echo 'ping: socket: Operation not permitted' >&2; echo 'ping: => missing cap_net_raw+p capability or setuid?' >&2; exit 2",
    );
    const result = await icmpSampler({ host: "127.0.0.1", pingPath: ping.path }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(
      "ping may not send ICMP on this machine (socket: Operation not permitted; => missing cap_net_raw+p capability or setuid?): " +
        'allow unprivileged ICMP with `sysctl -w net.ipv4.ping_group_range="0 2147483647"`, or give ping the capability with `setcap cap_net_raw+ep $(command -v ping)`',
    );
  });

  it("is unknown, saying what to install, when there is no ping", async () => {
    const result = await icmpSampler({ host: "127.0.0.1", pingPath: "/nonexistent/ping" }).probe();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(
      'no ping executable "/nonexistent/ping" found: install it (Debian and Ubuntu: apt-get install iputils-ping) or set pingPath',
    );
  });

  it("stops a ping that outlives its bound, keeping what it printed", async () => {
    // Like iputils, the stand-in prints its summary when interrupted.
    await using ping =
      await fakePing(`trap 'echo "1 packets transmitted, 0 received, 100% packet loss"; exit 1' INT
sleep 30 & wait`);
    const started = performance.now();
    const result = await icmpSampler({
      host: "10.0.0.1",
      count: 1,
      timeout: "200ms",
      pingPath: ping.path,
    }).probe();
    expect(performance.now() - started).toBeLessThan(2500);
    expect(result.status).toBe("critical");
    expect(result.message).toBe("no reply from 10.0.0.1 (1 of 1 packets lost)");
  });

  it("is unknown when the caller aborts", async () => {
    await using ping = await fakePing("sleep 30 & wait");
    const controller = new AbortController();
    const pending = icmpSampler({ host: "10.0.0.1", pingPath: ping.path }).probe({
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(result.status).toBe("unknown");
    expect(result.message).toBe("ping of 10.0.0.1 aborted");
  });
});
