// Data-driven interaction tests in the spirit of etcd-io/raft's testdata/: each file in
// src/__tests__/testdata is a list of commands with their expected output. Regenerate the expected
// output after an intended behaviour change with RAFT_REWRITE=1, then review the diff.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Net } from "./__tests__/net.js";
import type { RaftCoreOptions } from "./raft.js";
import type { Message } from "./types.js";

const dir = fileURLToPath(new URL("./__tests__/testdata/", import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

function describeMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  if (m.index !== undefined) parts.push(`index=${m.index}`);
  if (m.logTerm !== undefined) parts.push(`logTerm=${m.logTerm}`);
  if (m.entries?.length) parts.push(`entries=[${m.entries.map((e) => `${e.term}/${e.index}`).join(" ")}]`);
  if (m.commit !== undefined) parts.push(`commit=${m.commit}`);
  if (m.reject) parts.push(`reject hint=${m.rejectHint ?? "-"}`);
  if (m.context !== undefined) parts.push(`ctx=${m.context}`);
  if (m.force) parts.push("force");
  if (m.snapshot)
    parts.push(`snap=${m.snapshot.term}/${m.snapshot.index} offset=${m.offset}${m.done ? " done" : ""}`);
  if (m.type === "snapResp") parts.push(`offset=${m.offset}`);
  return parts.join(" ");
}

function run(script: string): string {
  let net: Net | null = null;
  const out: string[] = [];
  const lines = script.split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === "" || line.startsWith("#")) {
      out.push(line);
      i++;
      continue;
    }
    // Skip the old expected output.
    let j = i + 1;
    if (lines[j] === "----") {
      j++;
      while (j < lines.length && lines[j] !== "") j++;
    }
    const [cmd, ...args] = line.trim().split(/\s+/);
    const result: string[] = [];
    const n = () => {
      if (!net) throw new Error("no cluster: start with `nodes`");
      return net;
    };
    switch (cmd) {
      case "nodes": {
        // nodes a b c [voters=a,b,c] [prevote=false] [checkquorum=false] [chunk=N]
        const ids = args.filter((a) => !a.includes("="));
        const kv = Object.fromEntries(args.filter((a) => a.includes("=")).map((a) => a.split("=")));
        const opts: Partial<RaftCoreOptions> = {
          preVote: kv.prevote !== "false",
          checkQuorum: kv.checkquorum !== "false",
          ...(kv.chunk ? { snapshotChunkSize: Number(kv.chunk) } : {}),
        };
        net = new Net(ids, opts, kv.voters ? kv.voters.split(",") : ids);
        break;
      }
      case "campaign":
        n().get(args[0]!).campaign();
        break;
      case "propose": {
        const r = n().get(args[0]!).propose(args.slice(1).map(enc));
        if ("refused" in r) result.push(`refused: ${r.refused}`);
        else {
          const tracker = n().trackers.get(args[0]!)!;
          for (const [k, data] of args.slice(1).entries()) tracker.track(r.first + k, r.term, data);
        }
        break;
      }
      case "conf": {
        const r = n()
          .get(args[0]!)
          .proposeConfChange({ type: args[1] as "addVoter", id: args[2]! });
        if ("refused" in r) result.push(`refused: ${r.refused}`);
        break;
      }
      case "transfer":
        result.push(`ok=${n().get(args[0]!).transferLeadership(args[1]!)}`);
        break;
      case "read":
        result.push(`ok=${n().get(args[0]!).readIndex(Number(args[1]))}`);
        break;
      case "isolate":
        n().isolate(args[0]!);
        break;
      case "cut":
        // cut a b: messages from a to b are lost (one direction only).
        n().cut.add(`${args[0]}>${args[1]}`);
        break;
      case "heal":
        n().heal();
        break;
      case "restart":
        n().restart(args[0]!);
        break;
      case "compact": {
        const core = n().get(args[0]!);
        const snap = core.compact(enc(`state@${core.applied}`), Number(args[1] ?? 0));
        n().storages.get(args[0]!)!.saveSnapshot(snap, core.compactedIndex());
        result.push(`snapshot ${snap.meta.term}/${snap.meta.index}, log now starts at ${core.firstIndex()}`);
        break;
      }
      case "stabilize":
        for (const m of n().settle()) result.push(describeMessage(m));
        break;
      case "tick":
        // Ticks without delivering: follow with `stabilize` to see the resulting messages.
        for (let k = 0; k < Number(args[1] ?? 1); k++) n().tickOne(args[0]!);
        break;
      case "tick-all":
        n().tickAll(Number(args[0] ?? 1));
        break;
      case "outcomes":
        // What each node's proposals came to (settled since the last `outcomes`), and what is pending.
        for (const [id, settled] of n().outcomes) {
          const pending = n().trackers.get(id)!.size;
          if (settled.length === 0 && pending === 0) continue;
          const list = settled.map((s) => `${s.token}@${s.term}/${s.index}=${s.outcome}`).join(" ");
          result.push(`${id}: ${list || "-"}${pending ? ` pending=${pending}` : ""}`);
          settled.length = 0;
        }
        if (result.length === 0) result.push("none");
        break;
      case "status":
        for (const [id, c] of n().nodes) {
          const conf = c.conf();
          const reads = (n().reads.get(id) ?? []).map((r) => `${r.context}@${r.index}`).join(",");
          result.push(
            `${id}: ${c.role} term=${c.term} lead=${c.leader ?? "-"} commit=${c.commit} applied=${c.applied} ` +
              `log=${c.firstIndex()}..${c.lastIndex()} voters=${conf.voters.join(",")}` +
              (conf.learners.length ? ` learners=${conf.learners.join(",")}` : "") +
              (reads ? ` reads=${reads}` : "") +
              ` applied-data=[${(n().applied.get(id) ?? []).join(",")}]`,
          );
        }
        break;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
    out.push(line, "----", ...(result.length ? result : ["ok"]), "");
    i = j;
    if (lines[i] === "") i++;
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

describe("interaction scenarios (testdata)", () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".txt"))) {
    it(file, () => {
      const path = `${dir}${file}`;
      const script = readFileSync(path, "utf8");
      const got = run(script);
      if (process.env.RAFT_REWRITE) writeFileSync(path, got);
      else expect(got).toBe(script);
    });
  }
});
