import { describe, expect, it } from "vitest";
import { exportedState } from "./import.js";
import { StateMachine } from "./stateMachine.js";
import { closedNotesKeptMs } from "./statusPages.js";

const day = 86_400_000;
const page = (team = "payments", title = "Acme status") => ({
  slug: "acme",
  title,
  description: "",
  team,
  groups: [{ name: "API", components: [{ name: "Checkout", description: "", select: ["module:Payments"] }] }],
  showResolvedDays: 7,
});
const writer = { name: "ci", team: "payments", role: "write" };
const other = { name: "intruder", team: "search", role: "operate" };

function machine() {
  const m = new StateMachine();
  m.apply({ type: "cluster.init", clusterId: "c1", at: 0 }, 1);
  expect(m.apply({ type: "statuspage.put", page: page(), actor: writer, at: 10 }, 2)).toEqual({ ok: true });
  return m;
}

const post = (at: number, status = "investigating", actor: object = writer) => ({
  type: "statusnote.post",
  slug: "acme",
  note: {
    kind: "incident",
    title: "Checkout errors",
    impact: "major",
    status,
    message: "Looking into it.",
    components: ["Checkout"],
  },
  by: "alice",
  actor,
  at,
});

describe("status pages in the state", () => {
  it("creates, replaces and deletes a page, keeping when it was created and who changed it", () => {
    const m = machine();
    expect(
      m.apply({ type: "statuspage.put", page: page("payments", "Acme"), actor: writer, at: 20 }, 3).ok,
    ).toBe(true);
    expect(m.statusPage("acme")).toMatchObject({
      title: "Acme",
      createdAt: 10,
      updatedAt: 20,
      updatedBy: "ci",
    });
    expect(m.audit({ limit: 5 }).map((e) => e.action)).toEqual(["statuspage.put", "statuspage.put"]);
    expect(m.apply({ type: "statuspage.delete", slug: "acme", actor: writer, at: 30 }, 4).ok).toBe(true);
    expect(m.statusPages()).toEqual([]);
    expect(m.apply({ type: "statuspage.delete", slug: "acme", actor: writer, at: 31 }, 5)).toMatchObject({
      ok: false,
    });
  });

  it("refuses another team's token on apply, whatever the API checked, and lets an admin give a page away", () => {
    const m = machine();
    const before = m.statusPage("acme");
    expect(m.apply({ type: "statuspage.put", page: page("search"), actor: other, at: 20 }, 3)).toMatchObject({
      ok: false,
      code: "AMS_ERR_AUTH_TEAM",
    });
    expect(m.apply(post(20, "investigating", other), 4)).toMatchObject({
      ok: false,
      code: "AMS_ERR_AUTH_TEAM",
    });
    expect(m.statusPage("acme")).toEqual(before);
    expect(m.statusNotes("acme")).toEqual([]);
    const admin = { name: "root", team: "default", role: "admin" };
    expect(m.apply({ type: "statuspage.put", page: page("search"), actor: admin, at: 21 }, 5).ok).toBe(true);
    expect(m.statusPage("acme")?.team).toBe("search");
  });

  it("posts a note with an id from the log, appends updates, closes and reopens it", () => {
    const m = machine();
    const posted = m.apply(post(100), 7);
    expect(posted).toMatchObject({ ok: true, note: { id: "c1-7", status: "investigating" } });
    const update = (at: number, status: string, index: number) =>
      m.apply(
        {
          type: "statusnote.update",
          slug: "acme",
          id: "c1-7",
          status,
          message: `now ${status}`,
          by: "bob",
          at,
          actor: writer,
        },
        index,
      );
    expect(update(200, "resolved", 8)).toMatchObject({
      ok: true,
      note: { status: "resolved", closedAt: 200 },
    });
    expect(update(300, "monitoring", 9)).toMatchObject({ ok: true, note: { status: "monitoring" } });
    const note = m.statusNotes("acme")[0]!;
    expect(note.closedAt).toBeUndefined();
    expect(note.updates.map((u) => [u.status, u.by])).toEqual([
      ["investigating", "alice"],
      ["resolved", "bob"],
      ["monitoring", "bob"],
    ]);
    expect(
      m.apply({ type: "statusnote.update", slug: "acme", id: "nope", message: "x", by: "b", at: 400 }, 10).ok,
    ).toBe(false);
  });

  it("forgets closed notes after 90 days, never open ones, and a page's notes with the page", () => {
    const m = machine();
    m.apply(post(1_000, "resolved"), 3);
    m.apply(post(2_000), 4);
    m.apply(post(1_000 + closedNotesKeptMs + day), 5);
    expect(m.statusNotes("acme").map((n) => n.id)).toEqual(["c1-5", "c1-4"]);
    m.apply({ type: "statuspage.delete", slug: "acme", actor: writer, at: 10 * day }, 6);
    expect(m.statusNotes("acme")).toEqual([]);
  });

  it("travels in snapshots and exports", () => {
    const m = machine();
    m.apply(post(100), 3);
    const copy = new StateMachine();
    copy.restore(m.snapshot());
    expect(copy.statusPages()).toEqual(m.statusPages());
    expect(copy.statusNotes("acme")).toEqual(m.statusNotes("acme"));

    const state = exportedState(m.snapshot());
    const target = new StateMachine();
    target.apply({ type: "cluster.init", clusterId: "c2", at: 0 }, 1);
    const imported = target.apply(
      { type: "state.import", state, replace: false, source: { clusterId: "c1", version: "0" }, at: 5 },
      2,
    );
    expect(imported.ok).toBe(true);
    expect(target.statusPage("acme")?.title).toBe("Acme status");
    expect(target.statusNotes("acme")).toHaveLength(1);
  });
});
