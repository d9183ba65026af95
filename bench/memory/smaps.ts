// What a process's resident memory is made of, from /proc/<pid>/smaps: each mapping put in one group by
// what it maps (the Node.js binary, libraries, SQLite's files) or, for anonymous memory, by its shape:
// glibc's thread arenas are 64 MiB-aligned heaps (a read-write start, the rest reserved), a thread's stack is
// a read-write mapping right above its guard page, V8's pages are 256 KiB-aligned chunks; the rest
// (mallocs too large for an arena, which glibc maps on their own) is "other anonymous".
import { readdirSync, readFileSync } from "node:fs";

/** One group's resident size, in bytes, and how many mappings it has. */
export interface SmapsGroup {
  rssBytes: number;
  mappings: number;
}

/** A process's RSS by group ({@link smapsGroups}) and its threads by name. */
export interface SmapsSummary {
  groups: Map<string, SmapsGroup>;
  threads: Map<string, number>;
}

interface Mapping {
  start: number;
  end: number;
  perms: string;
  path: string;
  rssBytes: number;
}

const MiB = 2 ** 20;
const arenaBytes = 64 * MiB;
const v8PageBytes = 256 * 1024;

function parse(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      mappings.push({
        start: Number.parseInt(header[1]!, 16),
        end: Number.parseInt(header[2]!, 16),
        perms: header[3]!,
        path: header[4]!,
        rssBytes: 0,
      });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss && mappings.length > 0) mappings.at(-1)!.rssBytes = Number(rss[1]) * 1024;
  }
  return mappings;
}

function group(m: Mapping, previous: Mapping | undefined, next: Mapping | undefined): string {
  const { path } = m;
  if (path === "[heap]") return "malloc: main arena ([heap], brk)";
  if (path === "[stack]") return "main thread's stack";
  if (path.startsWith("[")) return `kernel ${path}`;
  if (/\.db-shm$/.test(path)) return "SQLite WAL index (-shm, shared mmap)";
  if (/\.db(-wal)?$/.test(path)) return "SQLite database files (mmap)";
  if (path.endsWith("/node")) return "node binary (file pages)";
  if (path !== "") return "libraries and other files";
  if (m.perms.includes("x")) return "V8 code (executable)";
  const size = m.end - m.start;
  const reservedAfter =
    next !== undefined && next.start === m.end && next.perms === "---p" ? next.end - next.start : 0;
  if (m.start % arenaBytes === 0 && size + reservedAfter === arenaBytes) return "malloc: thread arenas";
  if (
    previous !== undefined &&
    previous.end === m.start &&
    previous.perms === "---p" &&
    previous.end - previous.start <= 64 * 1024 &&
    size <= 16 * MiB
  )
    return "thread stacks";
  if (m.start % v8PageBytes === 0 && size % v8PageBytes === 0) return "V8 pages (256 KiB-aligned)";
  return "other anonymous (large mallocs, ...)";
}

/** Groups the resident mappings of process `pid` ({@link SmapsSummary}); Linux only. */
export function smapsSummary(pid: number): SmapsSummary {
  const mappings = parse(readFileSync(`/proc/${pid}/smaps`, "utf8"));
  const groups = new Map<string, SmapsGroup>();
  for (const [i, m] of mappings.entries()) {
    if (m.rssBytes === 0) continue;
    const name = group(m, mappings[i - 1], mappings[i + 1]);
    const g = groups.get(name) ?? { rssBytes: 0, mappings: 0 };
    g.rssBytes += m.rssBytes;
    g.mappings += 1;
    groups.set(name, g);
  }
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      threads.set(name, (threads.get(name) ?? 0) + 1);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { groups, threads };
}

/** A Markdown table of {@link smapsSummary}s side by side, one column each, largest group first. */
export function smapsTable(columns: { title: string; summary: SmapsSummary }[]): string {
  const names = new Set(columns.flatMap((c) => [...c.summary.groups.keys()]));
  const last = columns.at(-1)!.summary.groups;
  const sorted = [...names].sort((a, b) => (last.get(b)?.rssBytes ?? 0) - (last.get(a)?.rssBytes ?? 0));
  const cell = (g: SmapsGroup | undefined) =>
    g === undefined ? "–" : `${(g.rssBytes / MiB).toFixed(1)} (${g.mappings})`;
  const total = (s: SmapsSummary) => [...s.groups.values()].reduce((a, g) => a + g.rssBytes, 0) / MiB;
  const threads = (s: SmapsSummary) =>
    [...s.threads.entries()].map(([name, n]) => (n === 1 ? name : `${n} ${name}`)).join(", ");
  return [
    `| RSS MiB (mappings) | ${columns.map((c) => c.title).join(" | ")} |`,
    `|---|${columns.map(() => "---").join("|")}|`,
    ...sorted.map(
      (name) => `| ${name} | ${columns.map((c) => cell(c.summary.groups.get(name))).join(" | ")} |`,
    ),
    `| **total** | ${columns.map((c) => `**${total(c.summary).toFixed(1)}**`).join(" | ")} |`,
    `| threads | ${columns.map((c) => threads(c.summary)).join(" | ")} |`,
  ].join("\n");
}
