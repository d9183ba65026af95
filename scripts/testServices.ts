/**
 * The real services the test suites talk to, made ready by the test command itself: a fresh machine with
 * the README's two commands must pass, so nothing may depend on a CI script having started them first.
 *
 * Each service is ensured by a vitest `globalSetup` (see `amstaffProject({ services })` in
 * vitest.shared.ts): already running → nothing to do; installed but stopped → started; missing and
 * installable from Debian's packages → installed (as root). Anything else fails the run with a message
 * saying what is missing and how to provide it: a service test is never skipped.
 */
import { execFileSync, type StdioOptions } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The services a package's tests may need. */
export type TestService = "postgres" | "mariadb" | "graphite" | "chromium" | "dnsmasq" | "etcd" | "ping";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quiet: StdioOptions = ["ignore", "ignore", "inherit"];

class ServiceUnavailable extends Error {
  constructor(service: string, what: string) {
    super(`The tests need ${service}, and ${what}`);
    this.name = "ServiceUnavailable";
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

async function waitForPort(service: string, port: number, seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    if (await listening(port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ServiceUnavailable(
    service,
    `it did not start listening on 127.0.0.1:${port} within ${seconds} s.`,
  );
}

function onPath(command: string): boolean {
  return ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].some((dir) =>
    existsSync(join(dir, command)),
  );
}

function run(service: string, file: string, args: string[], stdio: StdioOptions = quiet): string {
  try {
    return execFileSync(file, args, { stdio, encoding: "utf8", timeout: 600_000 }) ?? "";
  } catch (error) {
    throw new ServiceUnavailable(
      service,
      `\`${[file, ...args].join(" ")}\` failed: ${(error as Error).message}`,
    );
  }
}

/**
 * `apt-get install`; root only. When it fails it finishes an install an earlier, interrupted run left half
 * done (`dpkg --configure -a`), refreshes stale package lists, and tries once more.
 */
function aptInstall(service: string, packages: string[]): void {
  if (process.getuid?.() !== 0) {
    throw new ServiceUnavailable(
      service,
      `it is not installed; install it first: sudo apt-get install -y ${packages.join(" ")}`,
    );
  }
  const args = [
    "-o",
    "DPkg::Lock::Timeout=300",
    "install",
    "-y",
    "-q",
    "--no-install-recommends",
    ...packages,
  ];
  process.stderr.write(`test services: installing ${packages.join(", ")} from Debian's packages\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", args, { stdio: quiet, env });
  } catch {
    try {
      execFileSync("dpkg", ["--configure", "-a"], { stdio: quiet, env });
    } catch {
      // Another install holds dpkg's lock, say: the retry below reports what is wrong.
    }
    run(service, "apt-get", ["-o", "DPkg::Lock::Timeout=300", "update", "-q"]);
    run(service, "apt-get", args);
  }
}

const ensure: Record<TestService, () => Promise<void>> = {
  async postgres() {
    if (await listening(5432)) return;
    if (!onPath("pg_ctlcluster") || !existsSync("/etc/postgresql")) {
      throw new ServiceUnavailable(
        "PostgreSQL on 127.0.0.1:5432",
        "none is installed: apt-get install -y postgresql.",
      );
    }
    for (const version of readdirSync("/etc/postgresql")) {
      run("PostgreSQL", "pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"]);
    }
    await waitForPort("PostgreSQL", 5432, 60);
  },
  async mariadb() {
    if (await listening(3306)) return;
    if (!existsSync("/usr/sbin/mariadbd")) {
      throw new ServiceUnavailable(
        "MariaDB on 127.0.0.1:3306",
        "none is installed: apt-get install -y mariadb-server.",
      );
    }
    run("MariaDB", "start-stop-daemon", [
      "--start",
      "--oknodo",
      "--background",
      "--exec",
      "/usr/sbin/mariadbd",
    ]);
    await waitForPort("MariaDB", 3306, 60);
  },
  async graphite() {
    // An explicitly configured Graphite wins; otherwise Debian's, on loopback, installed and started once.
    if (process.env.AMSTAFF_GRAPHITE_URL) return;
    const script = join(root, "packages/sampler-graphite/scripts/graphite.sh");
    const url = run("Graphite", "bash", [script, "install", "start"], ["ignore", "pipe", "inherit"]).trim();
    if (!/^https?:\/\//.test(url)) throw new ServiceUnavailable("Graphite", `${script} printed no URL.`);
    // Test workers start after global setup and inherit the environment.
    process.env.AMSTAFF_GRAPHITE_URL = url;
  },
  async chromium() {
    const path = process.env.AMSTAFF_CHROMIUM ?? "/usr/bin/chromium";
    if (existsSync(path)) return;
    if (process.env.AMSTAFF_CHROMIUM) {
      throw new ServiceUnavailable("Chromium", `AMSTAFF_CHROMIUM=${path} does not exist.`);
    }
    // Browsers cannot be downloaded by playwright here: Debian's Chromium is the one the tests drive.
    aptInstall("Chromium", ["chromium"]);
    if (!existsSync(path))
      throw new ServiceUnavailable("Chromium", `${path} is still missing after apt-get install.`);
  },
  async dnsmasq() {
    // The DNS sampler's tests start their own dnsmasq on a free loopback port: only the binary is needed.
    // dnsmasq-base ships it without the system service that would take port 53.
    const path = "/usr/sbin/dnsmasq";
    if (existsSync(path)) return;
    aptInstall("dnsmasq", ["dnsmasq-base"]);
    if (!existsSync(path))
      throw new ServiceUnavailable("dnsmasq", `${path} is still missing after apt-get install.`);
  },
  async etcd() {
    // Only the binaries: the tests start their own 3-member clusters on free loopback ports
    // (packages/server/test/etcdCluster.ts), never a shared daemon.
    if (onPath("etcd") && onPath("etcdctl")) return;
    aptInstall("etcd", ["etcd-server", "etcd-client"]);
    if (!onPath("etcd"))
      throw new ServiceUnavailable("etcd", "`etcd` is still missing after apt-get install.");
  },
  async ping() {
    // The ICMP sampler's tests run the system's ping (iputils), as the sampler does: only the binary is needed.
    if (onPath("ping")) return;
    aptInstall("ping", ["iputils-ping"]);
    if (!onPath("ping"))
      throw new ServiceUnavailable("ping", "`ping` is still missing after apt-get install.");
  },
};

/** Makes every given service ready, in order. */
export async function ensureServices(services: readonly TestService[]): Promise<void> {
  for (const service of services) await ensure[service]();
}
