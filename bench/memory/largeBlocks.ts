// The large blocks (≥ 128 KiB) the server allocated over a window, by call site, as mallocProbe.c counts them
// ("$AMSTAFF_MALLOC_PROBE.large"): each site's native stack, symbolized with addr2line (the node binary is
// not position-independent and keeps its symbols; shared objects are given as file and offset).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** One call site of large blocks over the window. */
export interface LargeSite {
  count: number;
  bytes: number;
  /** Of `count`, the blocks glibc mapped on their own (the rest were cut from an arena). */
  mapped: number;
  maxBytes: number;
  /** Innermost first, as `symbol` (demangled) or `[JIT]` for generated code. */
  frames: string[];
}

/** What mallocProbe.c counted since its last report. */
export interface LargeBlocks {
  frees: number;
  freedBytes: number;
  freedMapped: number;
  sites: LargeSite[];
}

const frameLine = /^(.*?)(?:\((.*?)\))?\[(0x[0-9a-f]+)\]$/;

/** Asks mallocProbe.c in the server for what it counted since the last request, and starts a new window. */
export async function requestLargeBlocks(probeBase: string): Promise<LargeBlocks> {
  const file = `${probeBase}.large`;
  rmSync(file, { force: true });
  writeFileSync(`${probeBase}.req`, "large\n");
  for (let waited = 0; !existsSync(file); waited += 100) {
    if (waited > 30_000) throw new Error("mallocProbe.c did not answer the request for large blocks");
    await sleep(100);
  }
  return parseLargeBlocks(readFileSync(file, "utf8"));
}

/** Reads mallocProbe.c's report and symbolizes every frame. */
export function parseLargeBlocks(text: string): LargeBlocks {
  const lines = text.split("\n").filter(Boolean);
  const [, frees, freedBytes, freedMapped] = lines[0]!.split(" ").map(Number);
  const sites: (LargeSite & { raw: string[] })[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith("site ")) {
      const [count, bytes, mapped, maxBytes] = line.slice(5).split(" ").map(Number);
      sites.push({ count: count!, bytes: bytes!, mapped: mapped!, maxBytes: maxBytes!, frames: [], raw: [] });
    } else sites.at(-1)?.raw.push(line);
  }
  // addr2line once per file: the addresses (node binary) or offsets (shared objects) it must name.
  const wanted = new Map<string, Set<string>>();
  const keyOf = (raw: string): [string, string] | string => {
    const m = frameLine.exec(raw);
    if (!m) return raw;
    const [, file, inner, address] = m;
    if (!file) return "[JIT]";
    if (inner && !inner.startsWith("+")) return demangle(inner.replace(/\+0x[0-9a-f]+$/, ""));
    return [file, inner ? inner.slice(1) : address!];
  };
  for (const site of sites)
    for (const raw of site.raw) {
      const key = keyOf(raw);
      if (typeof key !== "string") wanted.set(key[0], (wanted.get(key[0]) ?? new Set()).add(key[1]));
    }
  const names = new Map<string, string>();
  for (const [file, addresses] of wanted) {
    const list = [...addresses];
    const out = execFileSync("addr2line", ["-f", "-C", "-e", file, ...list], {
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    }).split("\n");
    for (const [i, a] of list.entries())
      names.set(`${file} ${a}`, out[i * 2] === "??" ? `${file}+${a}` : out[i * 2]!);
  }
  return {
    frees: frees!,
    freedBytes: freedBytes!,
    freedMapped: freedMapped!,
    sites: sites.map(({ raw, ...site }) => ({
      ...site,
      frames: raw.map((r) => {
        const key = keyOf(r);
        return typeof key === "string" ? key : names.get(`${key[0]} ${key[1]}`)!;
      }),
    })),
  };
}

function demangle(symbol: string): string {
  if (!symbol.startsWith("_Z")) return symbol;
  return execFileSync("c++filt", [symbol], { encoding: "utf8" }).trim();
}

// The allocator's own frames, which every site shares.
const allocatorFrame =
  /^(malloc|calloc|realloc|posix_memalign|aligned_alloc|memalign|operator new|.*mallocProbe)/;
const shorten = (frame: string) => {
  let short = frame.replace(/ \[clone .*\]$/, "").replace(/\(.*\)( const)?$/, "");
  // Template arguments, innermost first: V8's compiler's reducers nest a dozen deep.
  for (let before = ""; before !== short; ) {
    before = short;
    short = short.replace(/<[^<>]*>/g, "");
  }
  return short.replace(/^(void |bool |int )/, "").replace(/v8::internal::/g, "");
};

/** A Markdown table of the sites with the most blocks, over `seconds`. */
export function largeBlocksTable(blocks: LargeBlocks, seconds: number, top = 12): string {
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  const sites = [...blocks.sites].sort((a, b) => b.bytes - a.bytes).slice(0, top);
  const total = blocks.sites.reduce((n, s) => n + s.count, 0);
  const totalBytes = blocks.sites.reduce((n, s) => n + s.bytes, 0);
  return [
    `Blocks of 128 KiB or more allocated over ${seconds.toFixed(0)} s: ${total} (${(total / seconds).toFixed(1)} per s, ${mib(totalBytes)} MiB), ${blocks.frees} freed (${blocks.freedMapped} of them mapped on their own, ${mib(blocks.freedBytes)} MiB). By site, most bytes first:`,
    "",
    "| blocks (per s) | MiB | mapped on their own | largest KiB | where (innermost first) |",
    "|---|---|---|---|---|",
    ...sites.map(
      (s) =>
        `| ${s.count} (${(s.count / seconds).toFixed(2)}) | ${mib(s.bytes)} | ${s.mapped} | ${(s.maxBytes / 1024).toFixed(0)} | ${s.frames
          .filter((f) => f && !allocatorFrame.test(f))
          .slice(0, 5)
          .map(shorten)
          .join(" ← ")} |`,
    ),
  ].join("\n");
}
