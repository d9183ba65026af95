import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** A real `amstaff-server` process on a free port, for end-to-end tests. */
export class ServerProcess {
  readonly dataDir: string;
  readonly token = "e2e-token-0123456789";
  url = "";
  #child: ChildProcess | undefined;
  output = "";

  constructor(dataDir = mkdtempSync(join(tmpdir(), "amstaff-e2e-"))) {
    this.dataDir = dataDir;
  }

  async start(): Promise<void> {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build the server first (pnpm build).`);
    const child = spawn(
      process.execPath,
      [cli, "--port", "0", "--data-dir", this.dataDir, "--log-level", "warn"],
      {
        env: { ...process.env, AMSTAFF_TOKEN: this.token },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.#child = child;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.url = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      const timer = setTimeout(
        () => reject(new Error(`server did not start within 20 s:\n${stderr}`)),
        20_000,
      );
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        this.output += chunk.toString();
        const match = /is running at (http:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before starting:\n${stderr}`));
      });
    });
  }

  /** Sends a signal and waits for the process to exit; resolves with its exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  async api(path: string, init: { method?: string; body?: string; token?: string | null } = {}) {
    const headers: Record<string, string> = {};
    const token = init.token === undefined ? this.token : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${this.url}${path}`, {
      method: init.method ?? "GET",
      body: init.body,
      headers,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop("SIGKILL");
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns a value other than undefined, for at most `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
