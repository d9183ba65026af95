import { type ChildProcess, spawn } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { freePort } from "@amstaff/core/testing";

/** A real DNS server on loopback: dnsmasq, serving the zone `example.test` below. */
export interface TestDns extends AsyncDisposable {
  /** `127.0.0.1:<port>`, as the `resolver` option takes it. */
  resolver: string;
}

/** The records every test can ask for. */
export const zone = {
  www: "www.example.test",
  wwwAddresses: ["192.0.2.10", "192.0.2.11"],
  wwwIpv6: "2001:db8::10",
  alias: "alias.example.test",
  /** Has an A record only: AAAA gives NODATA. */
  v4only: "v4only.example.test",
  apex: "example.test",
  mx: ["10 mail.example.test", "20 backup-mail.example.test"],
  txt: ["v=spf1 include:_spf.example.test -all", "hello world"],
  srv: "_sip._tcp.example.test",
  /** Under a DNSSEC trust anchor its upstream cannot satisfy: validation fails, so SERVFAIL. */
  bogus: "www.bogus.test",
};

// dnsmasq on its own: no /etc/dnsmasq.conf, no /etc/hosts, no upstream but the ones given, in the foreground.
const common = [
  "--no-daemon",
  "--no-resolv",
  "--no-hosts",
  "--conf-file=/dev/null",
  "--pid-file",
  "--listen-address=127.0.0.1",
  "--bind-interfaces",
];

// The IANA root zone's KSK-2017 trust anchor: dnsmasq refuses DNSSEC without one for the root.
const rootAnchor =
  "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D";

/** `ns1.example.test` in DNS wire format (RFC 1035 §3.1), hex: dnsmasq has no NS option, only raw records. */
const ns1Wire = Buffer.concat(
  ["ns1", "example", "test", ""].map((label) =>
    Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]),
  ),
).toString("hex");

function start(args: string[]): ChildProcess {
  const child = spawn("/usr/sbin/dnsmasq", [...common, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.resume();
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Waits until the server at `resolver` answers for `www.example.test`. */
async function ready(resolver: string, child: ChildProcess): Promise<void> {
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([resolver]);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited with code ${child.exitCode}`);
    try {
      await probe.resolve4(zone.www);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`dnsmasq did not answer on ${resolver} within 5 s`);
}

/**
 * Starts dnsmasq on a free loopback port with the records of {@link zone}, and a second one upstream of it for
 * `bogus.test`, whose answers carry no DNSSEC signatures where the first expects them.
 */
export async function startDnsmasq(): Promise<TestDns> {
  const upstreamPort = await freePort();
  const upstream = start([`--port=${upstreamPort}`, `--host-record=${zone.bogus},192.0.2.66`]);
  const port = await freePort();
  const server = start([
    `--port=${port}`,
    // Names under .test that are not defined here do not exist (NXDOMAIN), rather than being forwarded.
    "--local=/test/",
    `--host-record=${zone.www},${zone.wwwAddresses[0]},${zone.wwwIpv6}`,
    `--host-record=${zone.www},${zone.wwwAddresses[1]}`,
    `--host-record=${zone.v4only},192.0.2.20`,
    `--cname=${zone.alias},${zone.www}`,
    ...zone.mx.map((mx) => {
      const [preference, exchange] = mx.split(" ");
      return `--mx-host=${zone.apex},${exchange},${preference}`;
    }),
    ...zone.txt.map((text) => `--txt-record=${zone.apex},${text}`),
    `--srv-host=${zone.srv},sip.example.test,5060,10,5`,
    `--caa-record=${zone.apex},0,issue,letsencrypt.org`,
    `--dns-rr=${zone.apex},2,${ns1Wire}`,
    "--dnssec",
    rootAnchor,
    `--trust-anchor=bogus.test,12345,13,2,${"ab".repeat(32)}`,
    `--server=/bogus.test/127.0.0.1#${upstreamPort}`,
  ]);
  const resolver = `127.0.0.1:${port}`;
  try {
    await ready(resolver, server);
  } catch (error) {
    await Promise.all([stop(server), stop(upstream)]);
    throw error;
  }
  return {
    resolver,
    [Symbol.asyncDispose]: async () => {
      await Promise.all([stop(server), stop(upstream)]);
    },
  };
}
