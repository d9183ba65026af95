// V8's sampling heap profile (`HeapProfiler.getSamplingProfile`), summed by allocating function.

/** A node of a sampling heap profile: a call frame and the bytes sampled in it. */
export interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Bytes by allocating function (`name file:line`, paths from the package), largest first, and their total. */
export function bytesByFunction(head: ProfileNode): { rows: [string, number][]; total: number } {
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode) => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url
        .replace(/^.*\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, "")
        .replace(/^.*\/packages\//, "");
      const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child);
  };
  walk(head);
  return { rows: [...byFunction].sort((a, b) => b[1] - a[1]), total };
}
