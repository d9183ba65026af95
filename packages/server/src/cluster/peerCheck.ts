import { AmstaffError } from "@amstaff/core";
import type { Command } from "../state/commands.js";
import type { InternalRequest } from "./internalRequest.js";
import { isRaftMember } from "./membership.js";
import { leaseRequestSchema, rpcPaths } from "./rpc.js";

/** What {@link checkPeer} needs to know of the local Raft node. */
export interface PeerCheckView {
  readonly role: string;
  readonly membership: { voters: readonly string[]; learners: readonly string[] };
}

/**
 * Binds an internal request to the node whose certificate made it (mutual TLS; `peer` undefined: plain
 * transport, no identity to bind). A node that is not a member — removed, or whose certificate was made
 * ahead of its joining — may only read the cluster view (and record its own removal); a member renews
 * only its own lease, announces only its own addresses, and never proposes what only the leader proposes
 * (module grants, the cluster id). Other commands are not bound to the forwarding node: a member forwards
 * writes on behalf of the API tokens it checked, and the state machine fences module work by grant.
 *
 * @throws AmstaffError `AMS_ERR_CLUSTER_IDENTITY` (403)
 */
export function checkPeer(raft: PeerCheckView, peer: string | undefined, request: InternalRequest): void {
  if (peer === undefined || request.is("GET", rpcPaths.view)) return;
  const refuse = (why: string): never => {
    throw new AmstaffError(
      "AMS_ERR_CLUSTER_IDENTITY",
      `Refused a request from the node of certificate "${peer}": ${why}. Each node must use its own certificate (amstaff-server certs).`,
      { details: { peer } },
    );
  };
  const isMember = () => isRaftMember(raft.membership, peer);
  if (request.path.startsWith(rpcPaths.members)) {
    // Any node forwards an admin's membership change to the leader: check here, before forwarding.
    if (!isMember()) refuse("it is not a member of this cluster");
    return;
  }
  // A follower answers 421 to these without acting, and its view of the membership may lag.
  if (raft.role !== "leader") return;
  if (request.is("POST", rpcPaths.lease)) {
    if (request.read(leaseRequestSchema).node !== peer) refuse("a node renews only its own lease");
    return;
  }
  if (request.forwards) {
    // Read once for the endpoint too. A batch is refused whole: a node forwards only what it proposed itself.
    for (const command of request.forwarded()) checkProposal(command, peer, isMember, refuse);
    return;
  }
  if (!isMember()) refuse("it is not a member of this cluster");
}

/** Refuses a forwarded command the node of certificate `peer` may not propose (see {@link checkPeer}). */
function checkProposal(
  command: Command,
  peer: string,
  isMember: () => boolean,
  refuse: (why: string) => never,
): void {
  // A node removed through its own API records its removal after Raft dropped it.
  if (command.type === "node.remove" && command.node === peer) return;
  if (!isMember()) refuse("it is not a member of this cluster");
  switch (command.type) {
    case "node.announce":
      if (command.node !== peer) refuse("a node announces only its own addresses");
      return;
    case "ownership.grant":
    case "ownership.release":
    case "cluster.init":
      refuse(`only the leader proposes ${command.type}`);
      return;
    default:
      return;
  }
}
