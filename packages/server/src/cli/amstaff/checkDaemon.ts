import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

/** The files of one `amstaff check`, as read by the command. */
export interface CheckRequest {
  files: { path: string; source: string }[];
}

/** What a check answers: each file's result, as `--json` prints it, and the lines it prints otherwise. */
export interface CheckAnswer {
  results: unknown[];
  lines: string[];
  failed: boolean;
}

/** How long a check daemon waits for its next check before it exits. @default 10 minutes */
export const checkDaemonIdleMs = 10 * 60_000;

/**
 * The folder of the check daemons' sockets, readable by this user only: `$XDG_RUNTIME_DIR/amstaff`, else
 * `$XDG_CACHE_HOME/amstaff`, else `~/.cache/amstaff`.
 */
export function checkDaemonDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_RUNTIME_DIR || env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const dir = join(base, "amstaff");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * The socket of the daemon that checks exactly as this command would: one per combination of `key`
 * parts (the CLI's version, the Node binary, where imports resolve from, the plugin packages installed).
 */
export function checkDaemonSocket(key: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash("sha256").update(key.join("\0")).digest("hex").slice(0, 16);
  return join(checkDaemonDir(env), `check-${hash}.sock`);
}

function exchange<T>(socket: string, message: unknown, timeoutMs: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const connection = createConnection(socket);
    let data = "";
    const done = (value: T | undefined) => {
      connection.destroy();
      resolve(value);
    };
    connection.setTimeout(timeoutMs, () => done(undefined));
    connection.on("connect", () => connection.end(JSON.stringify(message)));
    connection.on("data", (chunk: Buffer) => {
      data += chunk.toString();
    });
    connection.on("end", () => {
      try {
        done(JSON.parse(data) as T);
      } catch {
        done(undefined);
      }
    });
    // No daemon (ENOENT), a dead one's socket (ECONNREFUSED): the caller checks in-process instead.
    connection.on("error", () => done(undefined));
  });
}

/** Asks the daemon on `socket` to check; `undefined` when none answers, so the caller checks itself. */
export function askCheckDaemon(socket: string, request: CheckRequest): Promise<CheckAnswer | undefined> {
  return exchange<CheckAnswer>(socket, request, 60_000);
}

/** Starts a daemon on `socket` in the background, detached: it outlives this command until idle. */
export function spawnCheckDaemon(cliPath: string, socket: string): void {
  const child = spawn(process.execPath, [cliPath, "__check-daemon", socket], {
    cwd: process.cwd(),
    detached: true,
    stdio: "ignore",
    env: process.env,
  });
  child.unref();
}

/** Stops every daemon whose socket is in `dir`; resolves with how many checks each had answered. */
export async function stopCheckDaemons(dir: string): Promise<number[]> {
  const served: number[] = [];
  for (const name of readdirSync(dir).filter((n) => n.startsWith("check-") && n.endsWith(".sock"))) {
    const answer = await exchange<{ served: number }>(join(dir, name), { stop: true }, 10_000);
    if (answer !== undefined) served.push(answer.served);
  }
  return served;
}

/**
 * Serves checks on `socket` with `check` (which keeps the compiler, its parsed declarations and its
 * sandbox warm between calls), one at a time, until `idleMs` pass without one or a stop request comes.
 */
export function serveChecks(
  socket: string,
  check: (request: CheckRequest) => Promise<CheckAnswer>,
  idleMs: number = checkDaemonIdleMs,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let served = 0;
    let queue: Promise<unknown> = Promise.resolve();
    let idle: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(idle);
      server.close();
      rmSync(socket, { force: true });
      resolve();
    };
    const rearm = () => {
      clearTimeout(idle);
      idle = setTimeout(stop, idleMs);
    };
    const server = createServer({ allowHalfOpen: true }, (connection) => {
      rearm();
      let data = "";
      connection.on("data", (chunk: Buffer) => {
        data += chunk.toString();
      });
      connection.on("error", () => undefined);
      connection.on("end", () => {
        let message: CheckRequest & { stop?: boolean };
        try {
          message = JSON.parse(data);
        } catch {
          connection.destroy();
          return;
        }
        if (message.stop === true) {
          connection.end(JSON.stringify({ served }));
          stop();
          return;
        }
        // One check at a time: the compiler's caches are shared, and a second file waits a few ms.
        queue = queue
          .then(() => check(message))
          .then(
            (answer) => {
              served++;
              connection.end(JSON.stringify(answer));
            },
            () => connection.destroy(),
          );
      });
    });
    server.once("error", reject);
    // Stopped by a signal (a logout, a kill): leave no socket behind.
    process.once("SIGTERM", stop).once("SIGINT", stop).once("SIGHUP", stop);
    // A socket left by a daemon that died: nothing answers on it any more.
    rmSync(socket, { force: true });
    server.listen(socket, () => rearm());
  });
}
