import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import type { Principal } from "../access/access.js";
import { systemClock } from "../clock.js";
import type { HttpApiDeps } from "../http/deps.js";
import { createHttpApi } from "../http/httpApi.js";
import { Observations } from "../runtime/observations.js";
import { Scheduler } from "../runtime/scheduler.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import { definition } from "./fixtures.js";

/** The HTTP API in process, on a real HTTP server over a real SQLite log: see {@link startApiServer}. */
export interface ApiServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  machine: StateMachine;
  /** The log the API proposes to; a test may wrap its `propose` to put a command in a gap. */
  log: SqliteLog;
  /** Sends a request with `token` as its bearer, and reads the JSON answer. */
  call(
    path: string,
    token: string,
    init?: { method?: string; body?: string },
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * Starts the API of one node on a free loopback port, with the given tokens, for route tests that need
 * rights and a real log but no compiler: by default a pushed "module file" is just the module's name.
 */
export async function startApiServer(options: {
  tokens: Record<string, Principal>;
  compile?: HttpApiDeps["compile"];
}): Promise<ApiServer> {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-api-"));
  const db = new Database(join(dir, "state.db"));
  const machine = new StateMachine();
  const log = new SqliteLog(db, machine);
  const server = createServer(
    createHttpApi({
      machine,
      log,
      compile: options.compile ?? (async (source) => ({ ok: true, definition: definition(source) })),
      plugins: () => [],
      observations: new Observations(db),
      scheduler: new Scheduler(),
      clock: systemClock,
      logger: pino({ level: "silent" }),
      tokens: { resolve: (token) => options.tokens[token] },
      version: "test",
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    machine,
    log,
    async call(path, token, init = {}) {
      const response = await fetch(`${url}${path}`, {
        method: init.method ?? "GET",
        body: init.body,
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
