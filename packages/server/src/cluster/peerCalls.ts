import type { GlanceReply, GlanceRequest } from "../runtime/peerGlances.js";
import type { UptimeDaysReply, UptimeDaysRequest } from "../runtime/uptimeDays.js";
import type { RpcTarget } from "./rpc.js";
import type { RpcClient } from "./rpcClient.js";

/**
 * The questions a node asks every other node about the monitors they run — the overview's bars
 * (`POST /_cluster/glance`) and the status pages' days (`POST /_cluster/uptime-days`) — on either
 * engine: the engine only says where the others are (`targets`: on Raft the members the log announced,
 * on etcd the nodes registered there). Each is asked at once, within its own deadline; a node that does
 * not answer is left out (its part is missing until it answers again).
 */
export class PeerCalls {
  readonly #rpc: RpcClient;
  readonly #targets: () => RpcTarget[];

  constructor(rpc: RpcClient, targets: () => RpcTarget[]) {
    this.#rpc = rpc;
    this.#targets = targets;
  }

  /** Every other node's daily sample counts of some monitors, each within 3 s. */
  async uptimeDays(request: UptimeDaysRequest): Promise<UptimeDaysReply[]> {
    const replies = await Promise.all(this.#targets().map((t) => this.#rpc.uptimeDays(t, request, 3_000)));
    return replies.filter((r) => r !== undefined);
  }

  /**
   * The overview's bars of the monitors the other nodes run (or only `node`'s), each within 2 s (all its
   * monitors: 50,000 are ~10 MB) or 500 ms (some, for a tooltip). The overview does not wait that long:
   * see `runtime/peerGlances.ts`.
   */
  async glances(request: GlanceRequest, node?: string): Promise<{ node: string; reply: GlanceReply }[]> {
    const targets = this.#targets().filter((t) => node === undefined || t.node === node);
    const replies = await Promise.all(
      targets.map(async (t) => ({
        node: t.node,
        reply: await this.#rpc.glance(t, request, request.monitors ? 500 : 2_000),
      })),
    );
    return replies.flatMap((r) => (r.reply === undefined ? [] : [{ node: r.node, reply: r.reply }]));
  }
}
