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
 * The immediate dominator of every node reachable from the root (node 0), by node ordinal (-1 for the
 * others), and the reachable nodes with every dominator after all it dominates (reverse DFS preorder):
 * Lengauer and Tarjan's algorithm ("A Fast Algorithm for Finding Dominators in a Flowgraph", 1979, the
 * simple version with path compression) over the snapshot's strong edges. A node's dominator is what must
 * be collected for it to go. Cooper, Harvey and Kennedy's iterative algorithm, used before, did not finish
 * in 22 minutes at 50,000 monitors: its passes walk long dominator chains again and again.
 */
function dominators(heap: HeapSnapshot, f: ReturnType<typeof fieldsOf>) {
  const count = heap.nodes.length / f.nodeFields;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++)
    firstEdge[i + 1] = firstEdge[i]! + heap.nodes[i * f.nodeFields + f.edgeCount]! * f.edgeFields;
  const weak = f.edgeTypes.indexOf("weak");
  // DFS preorder numbers by an explicit stack (millions of nodes: no recursion); from here on every array
  // is indexed by them, and `vertex` maps them back to node ordinals.
  const number = new Int32Array(count).fill(-1);
  const vertex = new Int32Array(count);
  const parent = new Int32Array(count);
  const next = firstEdge.slice(0, count);
  const stack = new Int32Array(count);
  let depth = 1;
  let n = 1;
  number[0] = 0;
  parent[0] = -1;
  while (depth > 0) {
    const node = stack[depth - 1]!;
    let e = next[node]!;
    for (; e < firstEdge[node + 1]!; e += f.edgeFields) {
      if (heap.edges[e + f.edgeType] === weak) continue;
      const to = heap.edges[e + f.edgeTo]! / f.nodeFields;
      if (number[to] !== -1) continue;
      number[to] = n;
      vertex[n] = to;
      parent[n] = number[node]!;
      n++;
      stack[depth++] = to;
      break;
    }
    if (e >= firstEdge[node + 1]!) depth--;
    else next[node] = e + f.edgeFields;
  }
  // Predecessors in one flat array, each node's from firstPredecessor[v] on (millions of small arrays
  // would take longer to build than the rest).
  const firstPredecessor = new Uint32Array(n + 1);
  const eachTarget = (v: number, each: (w: number) => void) => {
    const node = vertex[v]!;
    for (let e = firstEdge[node]!; e < firstEdge[node + 1]!; e += f.edgeFields) {
      if (heap.edges[e + f.edgeType] !== weak) each(number[heap.edges[e + f.edgeTo]! / f.nodeFields]!);
    }
  };
  for (let v = 0; v < n; v++) eachTarget(v, (w) => firstPredecessor[w + 1]!++);
  for (let v = 0; v < n; v++) firstPredecessor[v + 1]! += firstPredecessor[v]!;
  const predecessors = new Int32Array(firstPredecessor[n]!);
  const filled = firstPredecessor.slice(0, n);
  for (let v = 0; v < n; v++) eachTarget(v, (w) => (predecessors[filled[w]!++] = v));
  const semi = Int32Array.from({ length: n }, (_, v) => v);
  const label = semi.slice();
  const ancestor = new Int32Array(n).fill(-1);
  const dom = new Int32Array(n);
  const bucket = new Int32Array(n).fill(-1);
  const nextInBucket = new Int32Array(n);
  const path = new Int32Array(n);
  // The vertex of least semidominator on the forest path to v, compressing the path on the way.
  const evaluate = (v: number): number => {
    if (ancestor[v] === -1) return v;
    let length = 0;
    for (let x = v; ancestor[ancestor[x]!] !== -1; x = ancestor[x]!) path[length++] = x;
    for (let k = length - 1; k >= 0; k--) {
      const x = path[k]!;
      const a = ancestor[x]!;
      if (semi[label[a]!]! < semi[label[x]!]!) label[x] = label[a]!;
      ancestor[x] = ancestor[a]!;
    }
    return label[v]!;
  };
  for (let w = n - 1; w > 0; w--) {
    for (let k = firstPredecessor[w]!; k < firstPredecessor[w + 1]!; k++) {
      const u = evaluate(predecessors[k]!);
      if (semi[u]! < semi[w]!) semi[w] = semi[u]!;
    }
    nextInBucket[w] = bucket[semi[w]!]!;
    bucket[semi[w]!] = w;
    const p = parent[w]!;
    ancestor[w] = p;
    for (let v = bucket[p]!; v !== -1; v = nextInBucket[v]!) {
      const u = evaluate(v);
      dom[v] = semi[u]! < semi[v]! ? u : p;
    }
    bucket[p] = -1;
  }
  for (let w = 1; w < n; w++) if (dom[w] !== semi[w]) dom[w] = dom[dom[w]!]!;
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  for (let w = 1; w < n; w++) idom[vertex[w]!] = vertex[dom[w]!]!;
  const bottomUp = Array.from({ length: n }, (_, k) => vertex[n - 1 - k]!);
  return { idom, bottomUp };
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
  const { idom, bottomUp } = dominators(heap, f);
  const retained = new Float64Array(idom.length);
  // A dominator comes after everything it dominates in post-order.
  for (const node of bottomUp) {
    retained[node] += heap.nodes[node * f.nodeFields + f.selfSize]!;
    if (node !== 0) retained[idom[node]!] += retained[node]!;
  }
  const wanted = new Set(names);
  const group = new Map<number, string>();
  for (const node of bottomUp) {
    const name = groupOf(heap, f, node * f.nodeFields);
    if (wanted.has(name)) group.set(node, name);
  }
  // Whether a node has a dominator of the same group: then that one's retained size includes it.
  const inside = new Uint8Array(idom.length);
  const totals = new Map<string, { count: number; bytes: number }>(
    names.map((n) => [n, { count: 0, bytes: 0 }]),
  );
  for (let k = bottomUp.length - 1; k >= 0; k--) {
    const node = bottomUp[k]!;
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
