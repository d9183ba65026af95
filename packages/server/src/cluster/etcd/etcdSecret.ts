import { randomBytes } from "node:crypto";
import type { Namespace } from "etcd3";
import type { Clock } from "../../clock.js";
import { unavailable } from "../logErrors.js";
import { retryIdempotent } from "./etcdAttempts.js";
import { etcdKeys } from "./etcdClient.js";

/**
 * The secret an etcd cluster's nodes derive their internal token from when the operator gives none:
 * made at random by whichever node asks first, kept at `<prefix>/cluster-secret`. The first node creates
 * it in a transaction that puts it only if the key was never created and otherwise reads it, so nodes
 * starting together all end up with the one that won. It exposes nothing new: the token only reads
 * monitors' bars and daily counts, while whoever can read the prefix already reads the whole cluster's
 * state in the log. A retry after a lost answer reads what the first attempt created (the transaction is
 * idempotent).
 *
 * @throws AmstaffError `AMS_ERR_LOG_UNAVAILABLE` when etcd cannot be reached within `timeoutMs`
 */
export async function etcdClusterSecret(space: Namespace, clock: Clock, timeoutMs = 10_000): Promise<string> {
  const made = randomBytes(32).toString("base64url");
  try {
    return await retryIdempotent(clock, clock.now() + timeoutMs, 1_000, async (deadline) => {
      const { succeeded, responses } = await space
        .if(etcdKeys.secret, "Create", "==", 0)
        .then(space.put(etcdKeys.secret).value(made))
        .else(space.get(etcdKeys.secret))
        .options({ deadline })
        .commit();
      if (succeeded) return made;
      const stored = responses[0]?.response_range?.kvs[0]?.value.toString();
      if (!stored) throw new Error(`${etcdKeys.secret} is empty`);
      return stored;
    });
  } catch (error) {
    throw unavailable("etcd could not be read for the cluster's internal secret; try again.", error);
  }
}
