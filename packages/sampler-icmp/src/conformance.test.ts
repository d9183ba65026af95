import { describeSamplerPlugin } from "@amstaff/core/testing";
import { fakePing } from "./__tests__/fakePing.js";
import { icmpPlugin } from "./plugin.js";

describeSamplerPlugin(icmpPlugin, {
  validOptions: [
    { host: "10.0.0.1" },
    {
      host: "router.internal",
      family: "ipv6",
      count: 10,
      interval: "500ms",
      timeout: "1s",
      packetLoss: { warning: 10, critical: 50 },
      roundTrip: { warning: 20, critical: 100 },
      pingPath: "/usr/bin/ping",
    },
  ],
  invalidOptions: [
    { options: {}, path: "host" },
    { options: { host: "" }, path: "host" },
    { options: { host: "-f" }, path: "host", message: /not an option/ },
    { options: { host: "x", family: "ipx" }, path: "family" },
    { options: { host: "x", count: 0 }, path: "count" },
    { options: { host: "x", count: 1000 }, path: "count", message: /at most 100/ },
    { options: { host: "x", interval: "10ms" }, path: "interval", message: /200ms/ },
    { options: { host: "x", timeout: "2 seconds" }, path: "timeout" },
    { options: { host: "x", packetLoss: { warning: 150 } }, path: "packetLoss.warning" },
    { options: { host: "x", packetLoss: { warning: 50, critical: 10 } }, path: "packetLoss" },
    { options: { host: "x", roundTrip: { warning: 900, critical: 100 } }, path: "roundTrip" },
    { options: { host: "x", deadline: "5s" }, message: /deadline/ },
  ],
  // ICMP takes no secret: the suite's secret is not given to the target.
  target: async () => ({ options: { host: "127.0.0.1", count: 2, interval: "200ms", timeout: "1s" } }),
  hangingTarget: async () => {
    const ping = await fakePing("sleep 30");
    return {
      options: { host: "127.0.0.1", count: 1, timeout: "1m", pingPath: ping.path },
      cleanup: () => ping[Symbol.asyncDispose](),
    };
  },
});

describeSamplerPlugin(icmpPlugin, {
  validOptions: [{ host: "127.0.0.1" }],
  invalidOptions: [],
  target: async () => ({ options: { host: "nowhere.invalid", count: 1 }, expectedStatus: "critical" }),
});
