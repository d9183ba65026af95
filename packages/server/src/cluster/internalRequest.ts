import type { z } from "zod";
import { invalidInput } from "../http/contract.js";
import type { Command } from "../state/commands.js";
import { proposeBatchSchema, proposeRequestSchema, rpcPaths } from "./rpc.js";

/**
 * One authenticated request to the internal endpoints, its JSON body parsed. The commands it forwards are
 * validated when first asked for and kept: with mutual TLS the identity check (`checkPeer`) and the
 * endpoint both read a forwarded batch of up to a thousand commands, once between them, and a follower
 * that only answers 421 never validates it.
 */
export class InternalRequest {
  #forwarded: readonly Command[] | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly body: unknown,
  ) {}

  /** Whether this is the request `method path`. */
  is(method: string, path: string): boolean {
    return this.method === method && this.path === path;
  }

  /** Whether this request forwards commands to the leader: `propose` (one) or `propose-batch`. */
  get forwards(): boolean {
    return this.is("POST", rpcPaths.propose) || this.is("POST", rpcPaths.proposeBatch);
  }

  /**
   * The commands this request forwards (see {@link forwards}): one for `propose`, up to a thousand for
   * `propose-batch`.
   *
   * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` (400) when its body is not what the endpoint takes
   * @throws Error when it forwards none (a caller's mistake)
   */
  forwarded(): readonly Command[] {
    if (this.#forwarded !== undefined) return this.#forwarded;
    if (this.is("POST", rpcPaths.proposeBatch)) this.#forwarded = this.read(proposeBatchSchema).commands;
    else if (this.is("POST", rpcPaths.propose)) this.#forwarded = [this.read(proposeRequestSchema).command];
    else throw new Error(`${this.method} ${this.path} forwards no command`);
    return this.#forwarded;
  }

  /**
   * The body as `schema` reads it.
   *
   * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` (400) with the schema's issues
   */
  read<S extends z.ZodType>(schema: S): z.output<S> {
    const parsed = schema.safeParse(this.body);
    if (!parsed.success) throw invalidInput(`body of ${this.method} ${this.path}`, parsed.error);
    return parsed.data;
  }
}
