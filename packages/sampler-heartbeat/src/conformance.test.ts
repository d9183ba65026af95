import { describeSamplerPlugin } from "@amstaff/core/testing";
import { heartbeatPlugin } from "./plugin.js";

describeSamplerPlugin(heartbeatPlugin, {
  validOptions: [
    { every: "5m", grace: "1m" },
    { cron: "0 3 * * *", grace: "30m" },
    { cron: "*/15 * * * *", timezone: "Europe/Paris" },
  ],
  invalidOptions: [
    { options: {}, path: "every", message: /exactly one/ },
    { options: { every: "5m", cron: "0 3 * * *" }, path: "every", message: /exactly one/ },
    { options: { every: "5 minutes" }, path: "every" },
    { options: { every: "5m", grace: "soon" }, path: "grace" },
    { options: { cron: "not a cron" }, path: "cron" },
    { options: { cron: "0 3 * * *", timezone: "Mars/Olympus" }, path: "cron" },
    { options: { every: "5m", period: "1h" }, message: /period/ },
  ],
  // Outside a server there are no pings to read: the probe says so, without I/O.
  target: async () => ({ options: { every: "5m" as const }, expectedStatus: "unknown" as const }),
});
