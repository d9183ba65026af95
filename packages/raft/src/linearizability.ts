/**
 * One completed (or indeterminate) client operation against a key-value store. `returnedAt` is Infinity
 * when the client never learnt the outcome: such an operation may or may not have taken effect.
 */
export interface KvOperation {
  client: number;
  kind: "put" | "get";
  key: string;
  /** put: the value written; get: the value read (null when absent). Ignored for indeterminate gets. */
  value: string | null;
  calledAt: number;
  returnedAt: number;
}

/** A sequential specification checked by {@link checkLinearizable}. */
export interface Model<S, Op> {
  init(): S;
  /** Whether `op` may take effect in `state`, and the state after it. */
  step(state: S, op: Op): { ok: boolean; state: S };
  /** A key identifying the state (states with the same key are interchangeable). */
  key(state: S): string;
}

interface Node {
  id: number;
  call: boolean;
  time: number;
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

function lift(call: Node): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Node): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

/**
 * Decides whether a history is linearizable with respect to `model`, using the Wing & Gong / Lowe search
 * (the algorithm behind Porcupine): walk the history in time order, tentatively linearize the earliest
 * pending calls, memoize (set of linearized ops, state) pairs already explored, and backtrack when a
 * return is reached before its call could be linearized.
 */
export function checkLinearizable<S, Op extends { calledAt: number; returnedAt: number }>(
  model: Model<S, Op>,
  ops: readonly Op[],
): boolean {
  const n = ops.length;
  if (n === 0) return true;
  const events: Node[] = [];
  ops.forEach((op, id) => {
    const call: Node = { id, call: true, time: op.calledAt, match: null, prev: null, next: null };
    const ret: Node = { id, call: false, time: op.returnedAt, match: null, prev: null, next: null };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls sort before returns at the same instant: touching operations are treated as concurrent.
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? a.id - b.id : a.call ? -1 : 1));
  const head: Node = { id: -1, call: false, time: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  const linearized = new Uint32Array(Math.ceil(n / 32));
  const cache = new Set<string>();
  const stack: { node: Node; state: S }[] = [];
  let state = model.init();
  let entry: Node | null = head.next;
  while (head.next !== null) {
    if (entry === null) return false;
    if (entry.call) {
      const res = model.step(state, ops[entry.id]!);
      if (res.ok) {
        linearized[entry.id >> 5]! ^= 1 << (entry.id & 31);
        const key = `${linearized.join(",")}|${model.key(res.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ node: entry, state });
          state = res.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.id >> 5]! ^= 1 << (entry.id & 31);
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (!top) return false;
      state = top.state;
      linearized[top.node.id >> 5]! ^= 1 << (top.node.id & 31);
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return true;
}

const kvRegister: Model<string | null, KvOperation> = {
  init: () => null,
  step(state, op) {
    if (op.kind === "put") return { ok: true, state: op.value };
    // An indeterminate read carries no information.
    if (op.returnedAt === Infinity) return { ok: true, state };
    return { ok: op.value === state, state };
  },
  key: (s) => (s === null ? "\u0000" : `=${s}`),
};

/**
 * Checks a key-value history for linearizability, key by key (linearizability is compositional, so each
 * key is an independent register).
 *
 * @example
 * checkKvHistory([
 *   { client: 1, kind: "put", key: "x", value: "1", calledAt: 0, returnedAt: 10 },
 *   { client: 2, kind: "get", key: "x", value: null, calledAt: 20, returnedAt: 30 },
 * ]); // false: the read started after the write completed but missed it
 */
export function checkKvHistory(ops: readonly KvOperation[]): { ok: boolean; badKey?: string } {
  const byKey = new Map<string, KvOperation[]>();
  for (const op of ops) {
    if (op.kind === "get" && op.returnedAt === Infinity) continue;
    let list = byKey.get(op.key);
    if (!list) {
      list = [];
      byKey.set(op.key, list);
    }
    list.push(op);
  }
  for (const [key, list] of byKey) {
    if (!checkLinearizable(kvRegister, list)) return { ok: false, badKey: key };
  }
  return { ok: true };
}
