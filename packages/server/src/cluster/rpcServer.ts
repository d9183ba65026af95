import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAmstaffError } from "@amstaff/core";
import type { Logger } from "pino";
import type { z } from "zod";
import { errorResponse } from "../http/httpErrors.js";
import type { Command } from "../state/commands.js";
import { InternalRequest } from "./internalRequest.js";
import { isNotLeader } from "./logErrors.js";
import {
  type Applied,
  glanceRequestSchema,
  leaseRequestSchema,
  maxInternalBodyBytes,
  memberIdOf,
  retryReply,
  retryStatus,
  rpcPaths,
  uptimeDaysRequestSchema,
} from "./rpc.js";

/**
 * The endpoints every engine's nodes serve: read-only answers about the monitors this node runs, which
 * the node serving a page asks the others for (the overview's bars, the status pages' days).
 */
export interface PeerReadHandlers {
  /** This node's daily sample counts of some monitors (undefined: a node that keeps no history). */
  uptimeDays?: ((request: z.output<typeof uptimeDaysRequestSchema>) => unknown) | undefined;
  /** The overview's bars of the monitors this node runs (undefined: a node that runs none). */
  glance?: ((request: z.output<typeof glanceRequestSchema>) => unknown) | undefined;
  /**
   * Refuses a request made on another node's behalf (`peer`: the node its certificate names).
   * @throws AmstaffError `AMS_ERR_CLUSTER_IDENTITY`
   */
  checkPeer(peer: string | undefined, request: InternalRequest): void;
}

/** What the endpoints of `rpc.ts` do on a Raft node: the reads, and forwarding, leases and membership. */
export interface RpcHandlers extends PeerReadHandlers {
  /** Whether this node leads now: a follower answers 421 to what only the leader serves. */
  isLeader(): boolean;
  /** Whether `node` is a voter or learner of the Raft membership. */
  isMember(node: string): boolean;
  /**
   * Appends a forwarded command as leader (throws `NotLeaderError` once it does not lead). The commands
   * of a forwarded batch are all proposed in one turn.
   */
  propose(command: Command): Promise<Applied>;
  /** Confirms leadership, records `node`'s renewal; resolves with the applied index. */
  grantLease(node: string): Promise<number>;
  /** Confirms leadership (ReadIndex); resolves with the applied index. */
  readIndex(): Promise<number>;
  /** This node's view of the cluster. */
  view(): Record<string, unknown>;
  addMember(body: unknown): Promise<unknown>;
  removeMember(id: string): Promise<void>;
}

/** Options of {@link serveInternal}. */
export interface RpcServerOptions {
  /** The token other nodes present. */
  internalToken: string;
  /** Fault injection for tests: when true, every request is dropped. */
  isolated?: (() => boolean) | undefined;
  logger: Logger;
  /** A Raft node's, or only the reads (an etcd node: its nodes append to etcd, never through another). */
  handlers: RpcHandlers | PeerReadHandlers;
}

type Outcome = { status: number; body: unknown };

/**
 * The server half of the node-to-node protocol: authenticates a request with the internal token, bounds
 * its body, checks who sent it (`peer`, with mutual TLS) and answers it. A follower answers
 * `421 {"retry": true}` to what only the leader serves.
 */
export function serveInternal(
  options: RpcServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
  peer?: string,
): void {
  const reply = (status: number, body: unknown) => {
    const payload = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(payload),
    });
    response.end(payload);
  };
  const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "");
  const expected = Buffer.from(options.internalToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    request.resume();
    reply(401, { error: { code: "AMS_ERR_AUTH_REQUIRED", message: "Not a node of this cluster." } });
    return;
  }
  if (options.isolated?.()) {
    request.destroy();
    return;
  }
  const tooLarge = () => {
    reply(413, {
      error: {
        code: "AMS_ERR_REQUEST_TOO_LARGE",
        message: `An internal request body is at most ${maxInternalBodyBytes} bytes.`,
      },
    });
    request.destroy();
  };
  if (Number(request.headers["content-length"] ?? 0) > maxInternalBodyBytes) {
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  request.on("data", (c: Buffer) => {
    size += c.length;
    if (size > maxInternalBodyBytes) {
      chunks.length = 0;
      if (!response.headersSent) tooLarge();
      return;
    }
    chunks.push(c);
  });
  request.on("end", () => {
    if (size > maxInternalBodyBytes) return;
    const path = request.url ?? "";
    let body: unknown;
    try {
      body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    } catch {
      reply(400, { error: { code: "AMS_ERR_REQUEST_INVALID", message: "Invalid JSON." } });
      return;
    }
    const internal = new InternalRequest(request.method ?? "GET", path, body);
    const { handlers, logger } = options;
    Promise.resolve()
      .then(() => handlers.checkPeer(peer, internal))
      .then(() => dispatch(handlers, internal))
      .then(
        ({ status, body: out }) => reply(status, out),
        (error: unknown) => {
          if (isAmstaffError(error) && error.code === "AMS_ERR_CLUSTER_IDENTITY") {
            logger.warn(
              { peer, path, reason: error.message },
              "refused an internal request made on another node's behalf",
            );
          }
          const { status, body: out } = outcomeOfError(error);
          reply(status, out);
        },
      );
  });
}

/** What a failed request answers: 421 to try the leader once this node does not lead, else the error. */
function outcomeOfError(error: unknown): Outcome {
  return isNotLeader(error) ? { status: retryStatus, body: retryReply } : errorResponse(error);
}

const noSuchEndpoint: Outcome = {
  status: 404,
  body: { error: { code: "AMS_ERR_REQUEST_INVALID", message: "No such endpoint." } },
};

/** Answers one authenticated internal request. */
async function dispatch(
  handlers: RpcHandlers | PeerReadHandlers,
  request: InternalRequest,
): Promise<Outcome> {
  if (request.is("POST", rpcPaths.uptimeDays)) {
    const asked = request.read(uptimeDaysRequestSchema);
    return { status: 200, body: { days: handlers.uptimeDays?.(asked) ?? asked.monitors.map(() => []) } };
  }
  if (request.is("POST", rpcPaths.glance)) {
    return { status: 200, body: handlers.glance?.(request.read(glanceRequestSchema)) ?? { rows: [] } };
  }
  return "isLeader" in handlers ? dispatchRaft(handlers, request) : noSuchEndpoint;
}

/** Answers an internal request only a Raft node serves. */
async function dispatchRaft(handlers: RpcHandlers, request: InternalRequest): Promise<Outcome> {
  const leader = handlers.isLeader();
  const retry = { status: retryStatus, body: retryReply };
  const { method, path } = request;
  if (request.is("POST", rpcPaths.propose)) {
    if (!leader) return retry;
    const [command] = request.forwarded();
    return { status: 200, body: await handlers.propose(command!) };
  }
  if (request.is("POST", rpcPaths.proposeBatch)) {
    if (!leader) return retry;
    const commands = request.forwarded();
    // All proposed in this turn: Raft appends them as one batch, one durable write.
    const outcomes: Outcome[] = await Promise.all(
      commands.map((command) =>
        handlers.propose(command).then((applied) => ({ status: 200, body: applied }), outcomeOfError),
      ),
    );
    return { status: 200, body: { outcomes } };
  }
  if (method === "POST" && path === rpcPaths.lease) {
    if (!leader) return retry;
    const { node } = request.read(leaseRequestSchema);
    if (!handlers.isMember(node)) {
      return {
        status: 403,
        body: { error: { code: "AMS_ERR_AUTH_REQUIRED", message: `${node} is not a member.` } },
      };
    }
    return { status: 200, body: { index: await handlers.grantLease(node) } };
  }
  if (method === "POST" && path === rpcPaths.readIndex) {
    if (!leader) return retry;
    return { status: 200, body: { index: await handlers.readIndex() } };
  }
  if (method === "GET" && path === rpcPaths.view) return { status: 200, body: handlers.view() };
  if (method === "POST" && path === rpcPaths.members) {
    await handlers.addMember(request.body);
    return { status: 200, body: { ok: true } };
  }
  const removed = memberIdOf(path);
  if (method === "DELETE" && removed !== undefined) {
    await handlers.removeMember(removed);
    return { status: 200, body: { ok: true } };
  }
  return noSuchEndpoint;
}
