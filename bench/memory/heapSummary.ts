// Summaries of V8 heap snapshots (.heapsnapshot JSON, as `--heapsnapshot-signal` writes them): self size and
// count per constructor (what DevTools' "Summary" view groups by), the difference between two snapshots per
// monitor, and who retains the objects of one constructor.
//   node bench/memory/heapSummary.ts <file.heapsnapshot> [--base <smaller.heapsnapshot> --per <monitors>]
//        [--retainers <constructor>] [--shapes <constructor>] [--retained <constructor>] [--holders] [--top 30]
// `--holders` is `--retained` for each of the server's per-monitor holders (`nodeHolders`), nested ones
// counted in the outer one: the table of bench/README.md's "What the live heap is at 50,000".
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

/** The parts of a .heapsnapshot file this reads. */
export interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Count and self size of the heap's objects per group. */
export interface SnapshotSummary {
  totalBytes: number;
  groups: Map<string, { count: number; bytes: number }>;
}

function fieldsOf(heap: HeapSnapshot) {
  const { meta } = heap.snapshot;
  const nodeFields = meta.node_fields.length;
  return {
    nodeFields,
    type: meta.node_fields.indexOf("type"),
    name: meta.node_fields.indexOf("name"),
    selfSize: meta.node_fields.indexOf("self_size"),
    edgeCount: meta.node_fields.indexOf("edge_count"),
    nodeTypes: meta.node_types[0],
    edgeFields: meta.edge_fields.length,
    edgeType: meta.edge_fields.indexOf("type"),
    edgeName: meta.edge_fields.indexOf("name_or_index"),
    edgeTo: meta.edge_fields.indexOf("to_node"),
    edgeTypes: meta.edge_types[0],
  };
}

/** The group a node counts in: its constructor for objects, its kind for the rest. */
function groupOf(heap: HeapSnapshot, f: ReturnType<typeof fieldsOf>, node: number): string {
  const type = f.nodeTypes[heap.nodes[node + f.type]!]!;
  const name = heap.strings[heap.nodes[node + f.name]!] ?? "";
  switch (type) {
    case "object":
      return name;
    case "closure":
      return `(closure) ${name || "anonymous"}`;
    case "string":
    case "concatenated string":
    case "sliced string":
      return "(string)";
    case "array":
    case "hidden":
    case "native":
      return `(${type}) ${name}`;
    default:
      return `(${type})`;
  }
}

/** Count and self size per group over the whole snapshot. */
export function summarizeSnapshot(heap: HeapSnapshot): SnapshotSummary {
  const f = fieldsOf(heap);
  const groups = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  for (let node = 0; node < heap.nodes.length; node += f.nodeFields) {
    const bytes = heap.nodes[node + f.selfSize]!;
    totalBytes += bytes;
    const key = groupOf(heap, f, node);
    const group = groups.get(key);
    if (group) {
      group.count++;
      group.bytes += bytes;
    } else groups.set(key, { count: 1, bytes });
  }
  return { totalBytes, groups };
}

/**
 * A markdown table of the `top` groups by self size; with `base` and `per`, the difference from `base` per
 * unit (per monitor), sorted by that difference instead.
 */
export function topTable(summary: SnapshotSummary, base?: SnapshotSummary, per?: number, top = 25): string {
  const rows = [...summary.groups].map(([name, g]) => {
    const b = base?.groups.get(name) ?? { count: 0, bytes: 0 };
    return {
      name,
      ...g,
      perCount: per ? (g.count - b.count) / per : 0,
      perBytes: per ? (g.bytes - b.bytes) / per : 0,
    };
  });
  rows.sort((a, b) => (per ? b.perBytes - a.perBytes : b.bytes - a.bytes));
  const cell = (s: string) => s.replaceAll("|", "\\|").slice(0, 60);
  const head = per
    ? [
        "| constructor | count | self MiB | per monitor: objects | per monitor: bytes |",
        "|---|---|---|---|---|",
      ]
    : ["| constructor | count | self MiB |", "|---|---|---|"];
  return [
    ...head,
    ...rows
      .slice(0, top)
      .map((r) =>
        per
          ? `| ${cell(r.name)} | ${r.count} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${r.perCount.toFixed(2)} | ${Math.round(r.perBytes)} |`
          : `| ${cell(r.name)} | ${r.count} | ${(r.bytes / 2 ** 20).toFixed(1)} |`,
      ),
  ].join("\n");
}

/** Who points at the objects of group `name`: retainer group and edge name, most frequent first. */
export function retainersOf(heap: HeapSnapshot, name: string, top = 15): string[] {
  const f = fieldsOf(heap);
  const counts = new Map<string, number>();
  let edge = 0;
  for (let node = 0; node < heap.nodes.length; node += f.nodeFields) {
    const edges = heap.nodes[node + f.edgeCount]!;
    for (let i = 0; i < edges; i++, edge += f.edgeFields) {
      const to = heap.edges[edge + f.edgeTo]!;
      if (groupOf(heap, f, to) !== name) continue;
      const type = f.edgeTypes[heap.edges[edge + f.edgeType]!];
      if (type === "weak") continue;
      const nameOrIndex = heap.edges[edge + f.edgeName]!;
      const label = type === "element" || type === "hidden" ? `[${nameOrIndex}]` : heap.strings[nameOrIndex];
      const key = `${groupOf(heap, f, node)} → ${type === "element" ? "[]" : label}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, n]) => `${n}\t${key}`);
}

/** The property names of the objects of group `name`, most frequent sets first: which records they are. */
export function shapesOf(heap: HeapSnapshot, name: string, top = 15): string[] {
  const f = fieldsOf(heap);
  const counts = new Map<string, { count: number; bytes: number }>();
  let edge = 0;
  for (let node = 0; node < heap.nodes.length; node += f.nodeFields) {
    const edges = heap.nodes[node + f.edgeCount]!;
    const matches = groupOf(heap, f, node) === name;
    const names: string[] = [];
    for (let i = 0; i < edges; i++, edge += f.edgeFields) {
      if (!matches) continue;
      const type = f.edgeTypes[heap.edges[edge + f.edgeType]!];
      if (type === "property") names.push(heap.strings[heap.edges[edge + f.edgeName]!]!);
    }
    if (!matches) continue;
    const key = names
      .filter((n) => n !== "__proto__" && n !== "map")
      .join(",")
      .slice(0, 120);
    const entry = counts.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += heap.nodes[node + f.selfSize]!;
    counts.set(key, entry);
  }
  return [...counts]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)
    .map(([key, { count, bytes }]) => `${count}\t${bytes}\t{${key}}`);
}

/**
 * The immediate dominator of every node reachable from the root (node 0), by node ordinal, and the nodes in
 * DFS post-order: Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast Dominance Algorithm",
 * 2001) over the snapshot's strong edges. A node's dominator is what must be collected for it to go.
 */
function dominators(heap: HeapSnapshot, f: ReturnType<typeof fieldsOf>) {
  const count = heap.nodes.length / f.nodeFields;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++)
    firstEdge[i + 1] = firstEdge[i]! + heap.nodes[i * f.nodeFields + f.edgeCount]! * f.edgeFields;
  const weak = f.edgeTypes.indexOf("weak");
  const targets = (i: number, each: (to: number) => void) => {
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += f.edgeFields) {
      if (heap.edges[e + f.edgeType] !== weak) each(heap.edges[e + f.edgeTo]! / f.nodeFields);
    }
  };
  // Post-order numbers by an explicit stack (millions of nodes: no recursion).
  const order = new Int32Array(count).fill(-1);
  const postorder: number[] = [];
  const visited = new Uint8Array(count);
  const stack: number[] = [0];
  const next = new Uint32Array(count);
  visited[0] = 1;
  for (let i = 0; i < count; i++) next[i] = firstEdge[i]!;
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    let pushed = false;
    while (next[node]! < firstEdge[node + 1]!) {
      const e = next[node]!;
      next[node] = e + f.edgeFields;
      if (heap.edges[e + f.edgeType] === weak) continue;
      const to = heap.edges[e + f.edgeTo]! / f.nodeFields;
      if (visited[to]) continue;
      visited[to] = 1;
      stack.push(to);
      pushed = true;
      break;
    }
    if (!pushed) {
      order[node] = postorder.length;
      postorder.push(node);
      stack.pop();
    }
  }
  // Predecessors in one flat array, each node's from firstPredecessor[node] on (millions of small arrays
  // would take longer to build than the rest).
  const firstPredecessor = new Uint32Array(count + 1);
  for (const node of postorder) targets(node, (to) => firstPredecessor[to + 1]!++);
  for (let i = 0; i < count; i++) firstPredecessor[i + 1]! += firstPredecessor[i]!;
  const predecessors = new Uint32Array(firstPredecessor[count]!);
  const filled = firstPredecessor.slice(0, count);
  for (const node of postorder) targets(node, (to) => (predecessors[filled[to]!++] = node));
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = postorder.length - 2; k >= 0; k--) {
      const node = postorder[k]!;
      let dom = -1;
      for (let k = firstPredecessor[node]!; k < firstPredecessor[node + 1]!; k++) {
        const p = predecessors[k]!;
        if (idom[p] === -1) continue;
        dom = dom === -1 ? p : intersect(p, dom);
      }
      if (dom !== -1 && idom[node] !== dom) {
        idom[node] = dom;
        changed = true;
      }
    }
  }
  return { idom, postorder };
}

/**
 * What the objects of group `name` keep alive: their retained size (themselves and everything only they
 * reach), counting an object of the group retained by another of the group once, as DevTools' "Retained
 * size" does.
 */
export function retainedBy(
  heap: HeapSnapshot,
  names: string[],
): Map<string, { count: number; bytes: number }> {
  const f = fieldsOf(heap);
  const { idom, postorder } = dominators(heap, f);
  const retained = new Float64Array(idom.length);
  // A dominator comes after everything it dominates in post-order.
  for (const node of postorder) {
    retained[node] += heap.nodes[node * f.nodeFields + f.selfSize]!;
    if (node !== 0) retained[idom[node]!] += retained[node]!;
  }
  const wanted = new Set(names);
  const group = new Map<number, string>();
  for (const node of postorder) {
    const name = groupOf(heap, f, node * f.nodeFields);
    if (wanted.has(name)) group.set(node, name);
  }
  // Whether a node has a dominator of the same group: then that one's retained size includes it.
  const inside = new Uint8Array(idom.length);
  const totals = new Map<string, { count: number; bytes: number }>(
    names.map((n) => [n, { count: 0, bytes: 0 }]),
  );
  for (let k = postorder.length - 1; k >= 0; k--) {
    const node = postorder[k]!;
    const parent = idom[node]!;
    inside[node] = node !== 0 && (inside[parent]! || group.has(parent)) ? 1 : 0;
    const name = group.get(node);
    if (name === undefined || inside[node]) continue;
    const total = totals.get(name)!;
    total.count++;
    total.bytes += retained[node]!;
  }
  return totals;
}

/**
 * The server's holders of per-monitor state, outermost first where one reaches another: the state
 * machine (definitions, statuses, transitions), the dashboard's rings, the history's open buckets and
 * buffer, the latest results, the runner (its `RunningMonitor`s, their samplers), the scheduler, Raft's log.
 */
export const nodeHolders = [
  "StateMachine",
  "RecentSamples",
  "SampleHistory",
  "PendingSamples",
  "Observations",
  "MonitorRunner",
  "RunningMonitor",
  "HttpProbe",
  "Scheduler",
  "RaftLog",
];

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      base: { type: "string" },
      per: { type: "string" },
      retainers: { type: "string", multiple: true },
      shapes: { type: "string", multiple: true },
      retained: { type: "string", multiple: true },
      holders: { type: "boolean", default: false },
      top: { type: "string", default: "30" },
    },
  });
  const load = (path: string) => JSON.parse(readFileSync(path, "utf8")) as HeapSnapshot;
  const heap = load(positionals[0]!);
  const summary = summarizeSnapshot(heap);
  const base = values.base ? summarizeSnapshot(load(values.base)) : undefined;
  console.log(`total self size ${(summary.totalBytes / 2 ** 20).toFixed(1)} MiB\n`);
  console.log(topTable(summary, base, values.per ? Number(values.per) : undefined, Number(values.top)));
  for (const name of values.retainers ?? []) {
    console.log(`\nretainers of ${name}:\n${retainersOf(heap, name).join("\n")}`);
  }
  const retained = [...(values.holders ? nodeHolders : []), ...(values.retained ?? [])];
  if (retained.length > 0) {
    const per = values.per ? Number(values.per) : 1;
    console.log(`\nretained by (group, objects, MiB, bytes per ${values.per ? "monitor" : "snapshot"}):`);
    for (const [name, { count, bytes }] of retainedBy(heap, retained))
      console.log(`${name}\t${count}\t${(bytes / 2 ** 20).toFixed(1)}\t${Math.round(bytes / per)}`);
  }
  for (const name of values.shapes ?? []) {
    console.log(`\nshapes of ${name} (count, bytes, properties):\n${shapesOf(heap, name).join("\n")}`);
  }
}
