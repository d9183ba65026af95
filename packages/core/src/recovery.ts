import { isFailing, type SampleStatus } from "./status.js";
import type { Transition } from "./transition.js";

/** What a resolve recovers from: the incident as a whole, for handlers to render its end. */
export interface Recovery {
  /** The worst status the incident reached, when known. */
  from?: SampleStatus | undefined;
  /** When the incident opened, when known. */
  openedAt?: number | undefined;
  /** How long the incident lasted (`since - openedAt`), when known. */
  durationMs?: number | undefined;
}

/**
 * Whether a notification is a resolve: a change to `ok` that closes an incident. A monitor that stops
 * flapping while `ok` resolves too, so this is not the same as "`from` is failing".
 */
export function isResolve(transition: Transition): boolean {
  return (
    (transition.kind === undefined || transition.kind === "transition") &&
    transition.to === "ok" &&
    (isFailing(transition.from) || transition.incident !== undefined)
  );
}

/**
 * What a resolve recovers from, or `undefined` for any other notification. Reads the incident first
 * (its worst status and opening), so a resolve reads as the recovery of the whole incident even when
 * it was recorded by a server that sent `ok → ok` after flapping.
 *
 * @example
 * ```ts
 * const recovery = recoveryOf(transition);
 * if (recovery) post(`RESOLVED (was ${recovery.from ?? "failing"} for ${formatDuration(recovery.durationMs ?? 0)})`);
 * ```
 */
export function recoveryOf(transition: Transition): Recovery | undefined {
  if (!isResolve(transition)) return undefined;
  const failing = isFailing(transition.from);
  const from = transition.incident?.worst ?? (failing ? (transition.from as SampleStatus) : undefined);
  const openedAt = transition.incident?.openedAt ?? (failing ? transition.previousSince : undefined);
  return {
    ...(from !== undefined && { from }),
    ...(openedAt !== undefined && { openedAt, durationMs: Math.max(0, transition.since - openedAt) }),
  };
}
