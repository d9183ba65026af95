import { createSocket } from "node:dgram";
import { describeSamplerPlugin } from "@amstaff/core/testing";
import { startDnsmasq, zone } from "./__tests__/dnsmasq.js";
import { dnsPlugin } from "./plugin.js";

describeSamplerPlugin(dnsPlugin, {
  validOptions: [
    { domain: "example.com" },
    {
      domain: "_sip._tcp.example.com.",
      type: "SRV",
      resolver: "[2001:db8::53]:5353",
      expect: { contains: ["10 5 5060 sip.example.com"] },
      timeout: "2s",
      latency: { warning: 50, critical: 500 },
      onNxdomain: "ok",
      onNodata: "warning",
      onServfail: "unknown",
    },
    { domain: "example.com", type: "TXT", expect: { matches: "^v=spf1 ", flags: "i", every: true } },
    { domain: "example.com", type: "CAA", expect: { equals: ['0 issue "letsencrypt.org"'] } },
  ],
  invalidOptions: [
    { options: {}, path: "domain" },
    { options: { domain: "not a domain" }, path: "domain" },
    { options: { domain: "example.com", type: "PTR" }, path: "type" },
    { options: { domain: "example.com", resolver: "dns.google" }, path: "resolver", message: /IP address/ },
    { options: { domain: "example.com", resolver: "127.0.0.1:99999" }, path: "resolver" },
    {
      options: { domain: "example.com", expect: { equals: ["not-an-ip"] } },
      path: "expect.equals.0",
      message: /IPv4/,
    },
    {
      options: { domain: "example.com", type: "MX", expect: { contains: "mail.example.com" } },
      path: "expect.contains",
      message: /preference/,
    },
    { options: { domain: "example.com", expect: { equals: [] } }, path: "expect" },
    {
      options: { domain: "example.com", type: "TXT", expect: { matches: "(?=x)" } },
      path: "expect.matches",
      message: /RE2/,
    },
    { options: { domain: "example.com", onServfail: "down" }, path: "onServfail" },
    { options: { domain: "example.com", timeout: "5 seconds" }, path: "timeout" },
    { options: { domain: "example.com", latency: { warning: 900, critical: 100 } }, path: "latency" },
    { options: { domain: "example.com", retries: 2 }, message: /retries/ },
  ],
  target: async () => {
    const server = await startDnsmasq();
    return {
      options: { domain: zone.www, resolver: server.resolver, expect: { contains: zone.wwwAddresses } },
      cleanup: () => server[Symbol.asyncDispose](),
    };
  },
  hangingTarget: async () => {
    // A UDP socket that reads queries and never answers: only the probe's signal can end the lookup.
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    return {
      options: { domain: zone.www, resolver: `127.0.0.1:${silent.address().port}`, timeout: "30s" },
      cleanup: () => new Promise<void>((resolve) => silent.close(() => resolve())),
    };
  },
});
