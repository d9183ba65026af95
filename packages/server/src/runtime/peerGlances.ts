import type { Clock } from "../clock.js";
import { monitorKey } from "../state/monitorKey.js";

/** A monitor's overview fields of its recent samples and uptime (see `http/dashboard/glanceRow.ts`). */
export interface GlanceFields {
  hs?: string;
  hl?: number[];
  u24?: number | null;
  u30?: number | null;
}

/** A monitor's recent samples, oldest first, and its uptime: the body of `GET …/recent`. */
export interface RecentView {
  samples: {
    t: number;
    status: "ok" | "warning" | "critical" | "unknown";
    latencyMs: number;
    message?: string;
  }[];
  uptime: { h24: number | null; d30: number | null };
}

/**
 * What a node is asked for: the glance fields of the monitors it runs, or only of `monitors`; with
 * `recent`, also the samples behind each asked monitor's bar (for the row's tooltip).
 */
export interface GlanceRequest {
  monitors?: [module: string, monitor: string][] | undefined;
  recent?: boolean | undefined;
}

/** A node's answer: one row per monitor it has samples of; `recent` in the order of the request's monitors. */
export interface GlanceReply {
  rows: ({ m: string; n: string } & GlanceFields)[];
  recent?: RecentView[] | undefined;
}

/** Each answering node's glance fields, by node id, then by {@link monitorKey}. */
export type PeerGlanceAnswers = ReadonlyMap<string, ReadonlyMap<string, GlanceFields>>;

/** Options of {@link PeerGlances}. */
export interface PeerGlancesOptions {
  clock: Clock;
  /** Asks every other node of the cluster at once (a node that does not answer in time is left out). */
  peers?: ((request: GlanceRequest) => Promise<{ node: string; reply: GlanceReply }[]>) | undefined;
  /** How long the nodes' answers are reused before they are asked again. @default 2000 */
  ttlMs?: number | undefined;
  /** How long a view waits for the first round (later views never wait). @default 500 */
  waitMs?: number | undefined;
}

const none: PeerGlanceAnswers = new Map();

/**
 * The overview's bars of the monitors other nodes run: each node answers the glance fields of its own
 * monitors (they are in its memory only), asked at most once per `ttlMs` whatever the traffic. An
 * expired answer is still served while the next round is asked for, so a view waits on the nodes only
 * before their first answer, and then at most `waitMs` (the round goes on: the next view has it).
 */
export class PeerGlances {
  readonly #options: PeerGlancesOptions;
  #settled: { at: number; answers: PeerGlanceAnswers } | undefined;
  #round: Promise<PeerGlanceAnswers> | undefined;

  constructor(options: PeerGlancesOptions) {
    this.#options = options;
  }

  /** The answers to show now: the last round's, or — before any — the first round's if it settles in `waitMs`. */
  async get(): Promise<PeerGlanceAnswers> {
    const latest = this.peek();
    const round = this.#round;
    if (latest || !round) return latest ?? none;
    const { clock } = this.#options;
    let timer: unknown;
    const waited = new Promise<PeerGlanceAnswers>((resolve) => {
      timer = clock.setTimeout(() => resolve(none), this.#options.waitMs ?? 500);
    });
    try {
      return await Promise.race([round, waited]);
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /**
   * The last round's answers without waiting (undefined before the first settled); asks again in the
   * background when they are older than `ttlMs`.
   */
  peek(): PeerGlanceAnswers | undefined {
    const peers = this.#options.peers;
    if (!peers) return none;
    const now = this.#options.clock.now();
    const expired = !this.#settled || now - this.#settled.at >= (this.#options.ttlMs ?? 2_000);
    if (expired && !this.#round) {
      const round = this.#ask(peers, now);
      this.#round = round;
      void round.finally(() => {
        if (this.#round === round) this.#round = undefined;
      });
    }
    return this.#settled?.answers;
  }

  async #ask(peers: NonNullable<PeerGlancesOptions["peers"]>, at: number): Promise<PeerGlanceAnswers> {
    try {
      const answers = new Map<string, Map<string, GlanceFields>>();
      for (const { node, reply } of await peers({})) {
        const rows = new Map<string, GlanceFields>();
        for (const { m, n, ...fields } of reply.rows) rows.set(monitorKey(m, n), fields);
        answers.set(node, rows);
      }
      this.#settled = { at, answers };
      return answers;
    } catch {
      // A failed round keeps the last answers; the next view asks again.
      return this.#settled?.answers ?? none;
    }
  }
}
