import type { Progress } from "./progress.js";
import type { OutgoingMessage } from "./raftOptions.js";
import type { Message, NodeId, Snapshot } from "./types.js";

interface IncomingSnapshot {
  from: NodeId;
  meta: Snapshot["meta"];
  parts: Uint8Array[];
  received: number;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * The leader's next InstallSnapshot chunk for a follower in `snapshot` state, from `pr.snapOffset`.
 * `snap` is the leader's latest snapshot.
 */
export function snapshotChunk(to: NodeId, pr: Progress, snap: Snapshot, chunkSize: number): OutgoingMessage {
  if (snap.meta.index !== pr.pendingSnapshot) {
    // Compacted again during the transfer: restart with the newer snapshot.
    pr.becomeSnapshot(snap.meta.index);
  }
  const chunk = snap.data.subarray(pr.snapOffset, pr.snapOffset + chunkSize);
  return {
    type: "snap",
    to,
    snapshot: snap.meta,
    index: snap.meta.index,
    offset: pr.snapOffset,
    chunk,
    done: pr.snapOffset + chunk.length >= snap.data.length,
  };
}

/** What one InstallSnapshot chunk leads to: a reply to send now, or the whole snapshot to restore. */
export type SnapshotReceipt = { reply: OutgoingMessage } | { snapshot: Snapshot };

/**
 * A follower's reassembly of a chunked InstallSnapshot. Chunks must arrive in order; anything else is
 * answered with the offset to resume from, so the leader re-sends instead of the transfer restarting.
 */
export class SnapshotReceiver {
  #incoming: IncomingSnapshot | null = null;

  /** Takes the chunk `m` given the follower's commit index; undefined when `m` carries no snapshot. */
  receive(m: Message, commit: number): SnapshotReceipt | undefined {
    const meta = m.snapshot;
    const chunk = m.chunk ?? new Uint8Array(0);
    if (!meta) return undefined;
    if (meta.index <= commit) {
      this.#incoming = null;
      return { reply: { type: "appResp", to: m.from, index: commit } };
    }
    if ((m.offset ?? 0) === 0) this.#incoming = { from: m.from, meta, parts: [], received: 0 };
    const inc = this.#incoming;
    if (!inc || inc.meta.index !== meta.index || inc.meta.term !== meta.term || m.offset !== inc.received) {
      const resume = inc && inc.meta.index === meta.index && inc.meta.term === meta.term ? inc.received : 0;
      return { reply: { type: "snapResp", to: m.from, index: meta.index, offset: resume } };
    }
    inc.parts.push(chunk);
    inc.received += chunk.length;
    if (!m.done) return { reply: { type: "snapResp", to: m.from, index: meta.index, offset: inc.received } };
    this.#incoming = null;
    return { snapshot: { meta, data: concat(inc.parts, inc.received) } };
  }
}
