import { type Agent, buildConnector, Client, Dispatcher, errors } from "undici";

type ClientOptions = Client.Options & { tls?: buildConnector.BuildOptions | undefined };

/** A connection and whether it is on the stack of free ones. */
interface Connection {
  readonly client: Client;
  free: boolean;
}

/**
 * The connections to one origin, each running one request at a time, the free ones on a stack.
 *
 * undici's `Pool` looks for a free connection by scanning all of them from the first on every request:
 * a server probing one origin with thousands of requests in flight (50,000 monitors behind one load
 * balancer, its event loop late, so finished answers wait unread) spent a tenth of its busy time there. Here a connection is pushed on the stack when it
 * drains and popped for the next request, so a request costs the same with 10 connections or 5,000, and
 * the most recently used connection is reused first (the surplus ones idle out after `keepAliveTimeout`).
 * Like a `Pool` without `connections`, it opens a new connection when none is free.
 */
export class ProbePool extends Dispatcher {
  readonly #origin: string | URL;
  readonly #options: Client.Options;
  /**
   * Whether a connection is free is a flag on its record, not membership of a set: a request took it out
   * of the set and its end put it back, and a set that thousands of connections leave and rejoin
   * every second rehashes its table as it shrinks and grows (a new table each time), a table big
   * enough to live through young-generation GCs.
   */
  readonly #free: Connection[] = [];
  readonly #clients = new Map<Client, Connection>();
  #closed = false;
  #destroyed = false;
  #ended: Promise<void> | undefined;

  constructor(origin: string | URL, options: ClientOptions = {}) {
    super();
    // Options that are the agent's or a pool's own, not a connection's.
    const {
      connect,
      tls,
      connections: _c,
      factory: _f,
      maxOrigins: _m,
      clientTtl: _t,
      ...rest
    } = options as ClientOptions & Record<string, unknown>;
    this.#origin = origin;
    this.#options = {
      ...rest,
      // One connector for all the connections, so they share its TLS session cache.
      connect:
        typeof connect === "function"
          ? connect
          : buildConnector({
              ...(tls as buildConnector.BuildOptions | undefined),
              ...(rest.maxCachedSessions === undefined ? {} : { maxCachedSessions: rest.maxCachedSessions }),
              ...(rest.socketPath === undefined ? {} : { socketPath: rest.socketPath }),
              ...(rest.connectTimeout === undefined ? {} : { timeout: rest.connectTimeout }),
              ...((connect ?? {}) as Partial<buildConnector.BuildOptions>),
            } as buildConnector.BuildOptions),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#closed || this.#destroyed) {
      const error = this.#destroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError();
      queueMicrotask(() => (handler as { onError?: (error: Error) => void }).onError?.(error));
      return false;
    }
    let connection = this.#free.pop();
    if (connection) connection.free = false;
    else connection = this.#open();
    if (connection.client.dispatch(options, handler)) this.#release(connection);
    return true;
  }

  #release(connection: Connection): void {
    if (connection.free || this.#clients.get(connection.client) !== connection || this.#closed) return;
    connection.free = true;
    this.#free.push(connection);
  }

  #open(): Connection {
    const client = new Client(this.#origin, this.#options);
    const connection: Connection = { client, free: false };
    this.#clients.set(client, connection);
    client
      .on("drain", () => this.#release(connection))
      .on("connect", (origin, targets) => this.emit("connect", origin, [this, ...targets]))
      .on("disconnect", (origin, targets, error) =>
        this.emit("disconnect", origin, [this, ...targets], error),
      )
      .on("connectionError", (origin, targets, error) => {
        // As undici's Pool does (nodejs/undici#3895): a connection that failed to connect is not reused.
        this.#forget(connection);
        this.emit("connectionError", origin, [this, ...targets], error);
      });
    return connection;
  }

  #forget(connection: Connection): void {
    this.#clients.delete(connection.client);
    if (connection.free) {
      connection.free = false;
      this.#free.splice(this.#free.indexOf(connection), 1);
    }
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    // The agent closes a pool whose connections all went, and again when it closes itself.
    this.#ended ??= this.#each((client) => client.close());
    if (callback === undefined) return this.#ended;
    this.#ended.then(callback, callback);
  }

  override destroy(err: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === "function" ? null : (errOrCallback ?? null);
    const cb = typeof errOrCallback === "function" ? errOrCallback : callback;
    this.#closed = true;
    this.#destroyed = true;
    const done = this.#each((client) => client.destroy(err));
    if (cb === undefined) return done;
    done.then(cb, cb);
  }

  async #each(end: (client: Client) => Promise<void>): Promise<void> {
    const clients = [...this.#clients.keys()].filter((client) => !client.destroyed);
    this.#clients.clear();
    for (const connection of this.#free) connection.free = false;
    this.#free.length = 0;
    await Promise.all(clients.map((client) => end(client).catch(() => {})));
  }
}

/** What `new Agent({ factory })` calls: a {@link ProbePool} per origin. */
export const probePoolFactory: NonNullable<Agent.Options["factory"]> = (origin, options) =>
  new ProbePool(origin, options);
