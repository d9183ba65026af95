import { closedPort } from "@amstaff/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDnsmasq, type TestDns, zone } from "./__tests__/dnsmasq.js";
import { dnsSampler } from "./dnsSampler.js";
import type { DnsSamplerOptions } from "./options.js";

let server: TestDns;
beforeAll(async () => {
  server = await startDnsmasq();
});
afterAll(() => server[Symbol.asyncDispose]());

function probe(options: DnsSamplerOptions) {
  return dnsSampler({ resolver: server.resolver, ...options }).probe();
}

describe("record types", () => {
  it.each([
    ["A", zone.www, zone.wwwAddresses],
    ["AAAA", zone.www, [zone.wwwIpv6]],
    ["CNAME", zone.alias, [zone.www]],
    ["MX", zone.apex, zone.mx],
    ["TXT", zone.apex, zone.txt],
    ["NS", zone.apex, ["ns1.example.test"]],
    ["SRV", zone.srv, ["10 5 5060 sip.example.test"]],
    ["CAA", zone.apex, ['0 issue "letsencrypt.org"']],
  ] as const)("reads %s records and checks them with equals", async (type, domain, answers) => {
    const result = await probe({ domain, type, expect: { equals: [...answers] } });
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({
      domain,
      type,
      resolver: server.resolver,
      answers: [...answers].sort(),
    });
    expect(result.message).toMatch(new RegExp(`^${domain} ${type}: .+ in \\d+ ms$`));
    expect(result.value).toBeTypeOf("number");
  });
});

describe("expected answers", () => {
  it("compares host names without case or trailing dot, and IPv6 addresses in any spelling", async () => {
    expect(
      (await probe({ domain: zone.alias, type: "CNAME", expect: { equals: ["WWW.Example.Test."] } })).status,
    ).toBe("ok");
    expect(
      (await probe({ domain: zone.www, type: "AAAA", expect: { contains: "2001:DB8:0:0::10" } })).status,
    ).toBe("ok");
  });

  it("with equals, is critical on a missing and on an extra answer, naming both", async () => {
    const result = await probe({ domain: zone.www, expect: { equals: ["192.0.2.10", "192.0.2.99"] } });
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `${zone.www} A answers 192.0.2.10, 192.0.2.11: missing "192.0.2.99", unexpected "192.0.2.11"`,
    );
  });

  it("with contains, accepts other answers besides", async () => {
    expect(
      (await probe({ domain: zone.apex, type: "MX", expect: { contains: "10 mail.example.test" } })).status,
    ).toBe("ok");
    const missing = await probe({
      domain: zone.apex,
      type: "MX",
      expect: { contains: ["5 mx.example.test"] },
    });
    expect(missing.status).toBe("critical");
    expect(missing.message).toMatch(/: missing "5 mx\.example\.test"$/);
  });

  it("with matches, needs one answer to match, or every answer with every", async () => {
    expect(
      (await probe({ domain: zone.apex, type: "TXT", expect: { matches: "^V=SPF1 ", flags: "i" } })).status,
    ).toBe("ok");
    const every = await probe({
      domain: zone.apex,
      type: "TXT",
      expect: { matches: "^v=spf1 ", every: true },
    });
    expect(every.status).toBe("critical");
    expect(every.message).toMatch(/: "hello world" does not match \/\^v=spf1 \/$/);
  });
});

describe("NXDOMAIN, NODATA and SERVFAIL", () => {
  it("is critical by default when the name does not exist, and what onNxdomain says otherwise", async () => {
    const gone = await probe({ domain: "gone.example.test" });
    expect(gone.status).toBe("critical");
    expect(gone.message).toBe(`gone.example.test does not exist (NXDOMAIN, from ${server.resolver})`);
    expect(gone.details).toMatchObject({ rcode: "NXDOMAIN" });
    expect((await probe({ domain: "gone.example.test", onNxdomain: "ok" })).status).toBe("ok");
  });

  it("applies onNodata when the name has no record of the type", async () => {
    const result = await probe({ domain: zone.v4only, type: "AAAA", onNodata: "warning" });
    expect(result.status).toBe("warning");
    expect(result.message).toBe(`${zone.v4only} has no AAAA records (NODATA, from ${server.resolver})`);
  });

  it("applies onServfail when the resolver cannot validate the zone", async () => {
    const result = await probe({ domain: zone.bogus });
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`${server.resolver} failed to answer for ${zone.bogus} A (SERVFAIL)`);
    expect((await probe({ domain: zone.bogus, onServfail: "unknown" })).status).toBe("unknown");
  });

  it("is critical when the resolver refuses a name it does not serve", async () => {
    const result = await probe({ domain: "example.com" });
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`${server.resolver} refused to answer for example.com A (REFUSED)`);
  });
});

describe("resolver, latency and timeout", () => {
  it("is critical when no resolver listens, within the timeout", async () => {
    const resolver = `127.0.0.1:${await closedPort()}`;
    const result = await dnsSampler({ domain: zone.www, resolver, timeout: "300ms" }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      new RegExp(
        `^(no answer from ${resolver} within 300 ms|connection refused by ${resolver}) for ${zone.www} A$`,
      ),
    );
    expect(result.durationMs).toBeLessThan(2000);
  });

  it("judges the lookup time against latency thresholds", async () => {
    const result = await probe({ domain: zone.www, latency: { warning: 0.001 } });
    expect(result.status).toBe("warning");
    expect(result.message).toMatch(/ in \d+ ms, reaching the warning threshold of 0\.001 ms$/);
  });

  it("is unknown when the caller aborts", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await dnsSampler({ domain: zone.www, resolver: server.resolver }).probe({
      signal: controller.signal,
    });
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(`lookup of ${zone.www} A aborted`);
  });
});
