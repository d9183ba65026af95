// glibc's malloc_info(3) XML, as written by mallocProbe.c: per arena, what it has from the system and what
// of that is free (held by glibc, not by the program), and the chunks mapped on their own.

/** One arena of {@link MallocInfo}, in bytes. */
export interface MallocArena {
  /** What the arena has from the system now. */
  systemBytes: number;
  /** Free chunks in it (fast bins and the rest): memory the process holds but does not use. */
  freeBytes: number;
}

/** What glibc's allocator holds, from {@link parseMallocInfo}. */
export interface MallocInfo {
  arenas: MallocArena[];
  /** Chunks too large for an arena, each mapped on its own (returned to the system when freed). */
  mmapBytes: number;
  mmapCount: number;
}

const attribute = (text: string, tag: string, type: string, name: string) =>
  Number(new RegExp(`<${tag} type="${type}"[^>]* ${name}="(\\d+)"`).exec(text)?.[1] ?? 0);

/** Reads malloc_info's XML. */
export function parseMallocInfo(xml: string): MallocInfo {
  const arenas = [...xml.matchAll(/<heap nr="\d+">([\s\S]*?)<\/heap>/g)].map(([, body]) => ({
    systemBytes: attribute(body!, "system", "current", "size"),
    freeBytes: attribute(body!, "total", "fast", "size") + attribute(body!, "total", "rest", "size"),
  }));
  const totals = xml.slice(xml.lastIndexOf("</heap>"));
  return {
    arenas,
    mmapBytes: attribute(totals, "total", "mmap", "size"),
    mmapCount: attribute(totals, "total", "mmap", "count"),
  };
}

/** A Markdown table of two {@link MallocInfo}s (before and after a trim), MiB. */
export function mallocInfoTable(before: MallocInfo, after: MallocInfo): string {
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  const row = (name: string, a: MallocArena | undefined, b: MallocArena | undefined) =>
    `| ${name} | ${mib(a?.systemBytes ?? 0)} / ${mib(a?.freeBytes ?? 0)} | ${mib(b?.systemBytes ?? 0)} / ${mib(b?.freeBytes ?? 0)} |`;
  return [
    "| arena | before: from the system / free | after: from the system / free |",
    "|---|---|---|",
    ...before.arenas.map((a, i) => row(i === 0 ? "main (brk)" : `thread arena ${i}`, a, after.arenas[i])),
    `| chunks mapped on their own (count) | ${mib(before.mmapBytes)} (${before.mmapCount}) | ${mib(after.mmapBytes)} (${after.mmapCount}) |`,
  ].join("\n");
}
