import type { Silence } from "@amstaff/core";
import type { AuditNote } from "./audit.js";
import type { Reducer } from "./reducer.js";
import { refuseOtherTeams } from "./teamRights.js";

/** Silences kept after they expired, for `GET /silences?expired=true` and the record. */
const expiredSilencesKept = 100;

/** The silences: alerts in their scope are held back until they end. */
export class SilenceBook {
  readonly #silences = new Map<string, Silence>();

  /** One silence, while it is kept. */
  get(id: string): Silence | undefined {
    return this.#silences.get(id);
  }

  /** Every silence kept, in the order they were added (what suppression reads). */
  all(): Iterable<Silence> {
    return this.#silences.values();
  }

  /** Silences, newest first: active ones at `at`, or all that are kept when `at` is absent. */
  list(at?: number): Silence[] {
    return [...this.#silences.values()]
      .filter((s) => at === undefined || (s.from <= at && at < s.until))
      .sort((a, b) => b.from - a.from);
  }

  /** Adds or replaces a silence. */
  set(silence: Silence): void {
    this.#silences.set(silence.id, silence);
  }

  /** Forgets silences that ended long ago, keeping the newest {@link expiredSilencesKept}. */
  prune(at: number): void {
    const expired = [...this.#silences.values()]
      .filter((s) => s.until <= at)
      .sort((a, b) => b.until - a.until);
    for (const silence of expired.slice(expiredSilencesKept)) this.#silences.delete(silence.id);
  }

  /** Replaces every silence by a snapshot's. */
  restore(silences: Silence[]): void {
    this.#silences.clear();
    for (const silence of silences) this.#silences.set(silence.id, silence);
  }
}

/** What the audit says of a silence: the teams it reaches (its module's, or none: every module, only admins may) and its scope. */
function silenceNote(silence: Silence, teams: { teamOf(module: string): string }): AuditNote {
  const parts = [silence.module ?? "every module"];
  if (silence.scope.monitors) parts.push(`/ ${silence.scope.monitors.join(", ")}`);
  if (silence.scope.tags) parts.push(silence.scope.tags.map((t) => `#${t}`).join(" "));
  return {
    target: silence.id,
    teams: silence.module === undefined ? [] : [teams.teamOf(silence.module)],
    detail: parts.join(" "),
  };
}

/** `silence.add`: refused when it has already ended, its id is taken, or its module is another team's. */
export const addSilence: Reducer<"silence.add"> = (state, command, index) => {
  const { silence } = command;
  if (silence.until <= command.at) return { ok: false, reason: "the silence has already ended" };
  if (state.silences.get(silence.id)) return { ok: false, reason: `silence ${silence.id} exists` };
  const refused = refuseOtherTeams(command.actor, silence.module, "silence", state.modules);
  if (refused) return refused;
  state.silences.set(silence);
  state.silences.prune(command.at);
  state.audit.record(
    index,
    command.at,
    "silence.add",
    command.actor ?? { name: silence.by },
    silenceNote(silence, state.modules),
  );
  return { ok: true, silence };
};

/** `silence.remove`: ends an active silence early. */
export const removeSilence: Reducer<"silence.remove"> = (state, command, index) => {
  const silence = state.silences.get(command.id);
  if (!silence || silence.until <= command.at)
    return { ok: false, reason: `no active silence ${command.id}` };
  const refused = refuseOtherTeams(command.actor, silence.module, "end a silence of", state.modules);
  if (refused) return refused;
  const ended = { ...silence, until: command.at };
  state.silences.set(ended);
  state.audit.record(index, command.at, "silence.remove", command.actor, silenceNote(silence, state.modules));
  return { ok: true, silence: ended };
};
