import { describe, expect, it } from "vitest";
import { definition, put, transition } from "../__tests__/fixtures.js";
import type { Command } from "./commands.js";
import { StateMachine } from "./stateMachine.js";

const alice = { name: "alice", team: "payments", role: "write" };
const bob = { name: "bob", team: "search", role: "write" };
const root = { name: "admin", team: "default", role: "admin" };

const teamPut = (team: string | undefined, actor = alice, def = definition()): Command => ({
  ...(put(def) as Extract<Command, { type: "module.put" }>),
  ...(team !== undefined && { team }),
  by: actor.name,
  actor,
});

function applyAll(machine: StateMachine, commands: Command[]) {
  return commands.map((command, i) => machine.apply(command, i + 1));
}

describe("StateMachine: teams and audit", () => {
  it("gives a new module the team of its first push, and refuses another team's push of it with AMS_ERR_AUTH_TEAM", () => {
    const machine = new StateMachine();
    const [first, second, third] = applyAll(machine, [
      teamPut("payments"),
      teamPut("search", bob),
      teamPut("payments"),
    ]);
    expect(first).toMatchObject({ ok: true, module: { team: "payments", revision: 1 } });
    // Two teams racing for one new name: the later one is refused, the same way on every node.
    expect(second).toEqual({
      ok: false,
      code: "AMS_ERR_AUTH_TEAM",
      reason: 'module "User Service" belongs to team "payments"',
    });
    expect(third).toMatchObject({ ok: true, module: { team: "payments", revision: 2 } });
    expect(machine.module("User Service")?.pushedBy).toBe("alice");
    expect(machine.history("User Service").map((r) => [r.revision, r.pushedBy, r.pushedByTeam])).toEqual([
      [1, "alice", "payments"],
      [2, "alice", "payments"],
    ]);
  });

  it("treats a push without a team (a log from before teams) as team default's, or the module's own", () => {
    const machine = new StateMachine();
    applyAll(machine, [put(), put(definition("Other"))]);
    expect(machine.module("User Service")?.team).toBe("default");
    applyAll(machine, [
      { type: "module.team", name: "Other", team: "search", actor: root, at: 3 },
      put(definition("Other")),
    ]);
    expect(machine.module("Other")).toMatchObject({ team: "search", revision: 2 });
  });

  it("keeps a deleted module's team (its history and rollback stay the team's), and moves a module only by module.team", () => {
    const machine = new StateMachine();
    applyAll(machine, [
      teamPut("payments"),
      { type: "module.delete", name: "User Service", actor: alice, at: 2 },
    ]);
    expect(machine.module("User Service")).toBeUndefined();
    expect(machine.teamOf("User Service")).toBe("payments");
    expect(machine.isKnownModule("User Service")).toBe(true);
    expect(machine.apply(teamPut("search", bob), 3)).toMatchObject({ ok: false, code: "AMS_ERR_AUTH_TEAM" });

    expect(
      machine.apply({ type: "module.team", name: "User Service", team: "search", actor: root, at: 4 }, 4),
    ).toMatchObject({ ok: true });
    expect(machine.apply(teamPut("search", bob), 5)).toMatchObject({ ok: true, module: { team: "search" } });
    expect(
      machine.apply({ type: "module.team", name: "Nothing", team: "search", actor: root, at: 6 }, 6),
    ).toEqual({ ok: false, reason: 'module "Nothing" does not exist' });
  });

  it("refuses, on apply, a team token's delete, ack or silence of a module an admin moved to another team meanwhile", () => {
    const machine = new StateMachine();
    const silence = (id: string, module?: string) => ({
      id,
      ...(module !== undefined && { module }),
      scope: {},
      from: 3,
      until: 1_000_000,
      by: "alice",
      reason: "",
    });
    const [, , , kept] = applyAll(machine, [
      teamPut("payments"),
      transition(1, "pending", "critical"),
      // alice's silence, set while the module was still her team's
      { type: "silence.add", silence: silence("s1", "User Service"), actor: alice, at: 3 },
      { type: "module.team", name: "User Service", team: "search", actor: root, at: 4 },
    ]);
    expect(kept).toMatchObject({ ok: true });
    const moved = {
      ok: false,
      code: "AMS_ERR_AUTH_TEAM",
      reason: 'module "User Service" belongs to team "search"',
    };
    // What alice's token checked against a node that had not applied the move yet reaches the log after it.
    const raced: Command[] = [
      { type: "incident.ack", module: "User Service", monitor: "Health", by: "alice", actor: alice, at: 5 },
      { type: "silence.add", silence: silence("s2", "User Service"), actor: alice, at: 5 },
      { type: "silence.remove", id: "s1", actor: alice, at: 5 },
      { type: "module.delete", name: "User Service", actor: alice, at: 5 },
    ];
    for (const [i, command] of raced.entries()) expect(machine.apply(command, 5 + i)).toEqual(moved);
    expect(machine.module("User Service")).toBeDefined();
    expect(machine.silences().map((s) => [s.id, s.until])).toEqual([["s1", 1_000_000]]);
    expect(machine.monitor("User Service", "Health")?.incident?.acknowledged).toBeUndefined();
    // A silence of every module is an admin's only, also on apply.
    expect(
      machine.apply({ type: "silence.add", silence: silence("s3"), actor: bob, at: 9 }, 9),
    ).toMatchObject({ ok: false, code: "AMS_ERR_AUTH_TEAM" });

    // The new team's token, an admin, and a command from before roles (no role: replayed as it was) pass.
    expect(machine.apply({ ...raced[0]!, actor: bob, by: "bob" } as Command, 10)).toMatchObject({ ok: true });
    expect(machine.monitor("User Service", "Health")?.incident?.acknowledged?.by).toBe("bob");
    expect(machine.apply({ type: "silence.remove", id: "s1", actor: root, at: 11 }, 11)).toMatchObject({
      ok: true,
    });
    expect(
      machine.apply(
        { type: "silence.add", silence: silence("s4", "User Service"), actor: { name: "old" }, at: 12 },
        12,
      ),
    ).toMatchObject({ ok: true });
    expect(machine.apply({ ...raced[3]!, actor: bob } as Command, 13)).toMatchObject({ ok: true });
  });

  it("records every write with its actor; a team sees the entries about its modules and those its tokens made", () => {
    const machine = new StateMachine();
    applyAll(machine, [
      teamPut("payments"),
      teamPut("search", bob, definition("Search")),
      {
        type: "silence.add",
        silence: { id: "s1", module: "Search", scope: {}, from: 0, until: 10_000, by: "bob", reason: "" },
        actor: bob,
        at: 3,
      },
      { type: "module.team", name: "Search", team: "payments", actor: root, at: 4 },
      { type: "audit.record", action: "POST /cluster/members", detail: '{"added":"d"}', actor: root, at: 5 },
      { type: "module.put", ...(put() as object), rollbackOf: 1, actor: alice, team: "payments" } as Command,
    ]);
    const all = machine.audit();
    expect(all.map((e) => [e.index, e.action, e.target, e.actor.name])).toEqual([
      [6, "module.rollback", "User Service", "alice"],
      [5, "POST /cluster/members", undefined, "admin"],
      [4, "module.team", "Search", "admin"],
      [3, "silence.add", "s1", "bob"],
      [2, "module.push", "Search", "bob"],
      [1, "module.push", "User Service", "alice"],
    ]);
    expect(all[2]).toMatchObject({
      teams: ["search", "payments"],
      detail: 'from team "search" to team "payments"',
    });
    expect(machine.audit({ team: "search" }).map((e) => e.index)).toEqual([4, 3, 2]);
    expect(machine.audit({ team: "payments" }).map((e) => e.index)).toEqual([6, 4, 1]);
    expect(machine.audit({ module: "Search", limit: 1 }).map((e) => e.index)).toEqual([4]);
  });

  it("keeps teams and the audit across a snapshot, and reads a snapshot from before teams as team default's", () => {
    const machine = new StateMachine();
    applyAll(machine, [
      teamPut("payments"),
      { type: "module.delete", name: "User Service", actor: alice, at: 2 },
      teamPut("search", bob, definition("Search")),
    ]);
    const restored = new StateMachine();
    restored.restore(machine.snapshot());
    expect(restored.snapshot()).toEqual(machine.snapshot());
    expect(restored.teamOf("User Service")).toBe("payments");
    expect(restored.module("Search")?.team).toBe("search");
    expect(restored.audit()).toEqual(machine.audit());
    // The restored machine goes on refusing what the original refuses.
    expect(restored.apply(teamPut("search", bob), 4)).toMatchObject({ ok: false, code: "AMS_ERR_AUTH_TEAM" });

    const old = JSON.parse(new TextDecoder().decode(machine.snapshot()));
    delete old.teams;
    delete old.audit;
    for (const m of old.modules) delete m.team;
    const upgraded = new StateMachine();
    upgraded.restore(new TextEncoder().encode(JSON.stringify(old)));
    expect(upgraded.module("Search")?.team).toBe("default");
    expect(upgraded.teamOf("User Service")).toBe("default");
    expect(upgraded.audit()).toEqual([]);
  });
});
