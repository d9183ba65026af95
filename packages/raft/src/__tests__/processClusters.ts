import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { ProcessCluster } from "./processCluster.js";

/**
 * Registers an `afterEach` that stops the cluster a test started and removes its directory; returns the
 * function a test starts one with (a fresh temporary directory each time). `env` as {@link ProcessCluster}'s.
 */
export function processClusters(
  prefix: string,
): (ids: string[], env?: Record<string, string>) => ProcessCluster {
  let current: { cluster: ProcessCluster; dir: string } | null = null;
  afterEach(async () => {
    if (!current) return;
    const { cluster, dir } = current;
    current = null;
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return (ids, env) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const cluster = new ProcessCluster(ids, dir, env);
    current = { cluster, dir };
    return cluster;
  };
}
