import { createHash } from "node:crypto";
import { AmstaffError, resolveSecrets, type SecretRequester, secretNames } from "@amstaff/core";
import type { SecretResolver } from "../plugins/plugins.js";

interface Disposable {
  dispose?(): void | Promise<void>;
}

interface Bound<T> {
  key: string;
  target: T;
  users: number;
  retired: boolean;
}

/**
 * A sampler or handler built from options with secrets, for one module: the secrets are looked up in the
 * store at each use, and the object is built again (the old one disposed once idle) when a value changed.
 */
export class SecretBinding<T extends Disposable> {
  /** The secrets the options refer to. */
  readonly names: string[];
  readonly #options: unknown;
  readonly #requester: SecretRequester;
  readonly #secrets: SecretResolver;
  readonly #create: (resolved: never) => T;
  #bound: Bound<T> | undefined;

  constructor(
    options: unknown,
    requester: SecretRequester,
    secrets: SecretResolver,
    create: (resolved: never) => T,
  ) {
    this.names = secretNames(options);
    this.#options = options;
    this.#requester = requester;
    this.#secrets = secrets;
    this.#create = create;
  }

  /** The object for the secrets' current values. @throws AmstaffError when one may not be used. */
  current(): T {
    return this.#acquire(false).target;
  }

  /** Runs `run` with the object for the secrets' current values. @throws AmstaffError as {@link current}. */
  async use<R>(run: (target: T) => Promise<R>): Promise<R> {
    const bound = this.#acquire(true);
    try {
      return await run(bound.target);
    } finally {
      bound.users--;
      if (bound.retired && bound.users === 0) this.#dispose(bound);
    }
  }

  /** Disposes of the object once no use of it is under way. */
  dispose(): void {
    if (this.#bound) this.#retire(this.#bound);
    this.#bound = undefined;
  }

  #acquire(use: boolean): Bound<T> {
    const values = new Map<string, string>();
    for (const name of this.names) {
      const access = this.#secrets.access(name, this.#requester);
      // The code is in the message too: probe results and delivery records keep only the message.
      if (!access.ok) throw new AmstaffError(access.code, `${access.reason} (${access.code})`);
      values.set(name, access.value);
    }
    // A digest, so that no extra copy of the values is kept to compare them.
    const key = createHash("sha256")
      .update(JSON.stringify([...values.values()]))
      .digest("hex");
    if (this.#bound?.key !== key) {
      const resolved = resolveSecrets(this.#options, (name) => values.get(name));
      const target = this.#create(resolved as never);
      if (this.#bound) this.#retire(this.#bound);
      this.#bound = { key, target, users: 0, retired: false };
    }
    if (use) this.#bound.users++;
    return this.#bound;
  }

  #retire(bound: Bound<T>): void {
    bound.retired = true;
    if (bound.users === 0) this.#dispose(bound);
  }

  #dispose(bound: Bound<T>): void {
    void Promise.resolve()
      .then(() => bound.target.dispose?.())
      .catch(() => {});
  }
}

/**
 * Who asks for a module's secrets: the module, and the team it belongs to *at each use* — an admin may move
 * a module to another team, and from then on only the new team's grants apply to its running monitors.
 */
export function moduleRequester(teams: { teamOf(module: string): string }, module: string): SecretRequester {
  return {
    module,
    get team() {
      return teams.teamOf(module);
    },
  };
}
