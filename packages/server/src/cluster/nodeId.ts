import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AmstaffError } from "@amstaff/core";

/**
 * Reads the node id kept in the data directory, or keeps the given (or a generated) one there: a node
 * keeps its id for life.
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` when `wanted` differs from the stored id or is not 1 to
 * 64 letters, digits, '.', '_' or '-'.
 */
export function loadNodeId(dataDir: string, wanted: string | undefined): string {
  const path = join(dataDir, "node-id");
  if (existsSync(path)) {
    const stored = readFileSync(path, "utf8").trim();
    if (wanted !== undefined && wanted !== stored) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `This data directory belongs to node "${stored}", not "${wanted}": a node keeps its id for life.`,
      );
    }
    return stored;
  }
  const id = wanted ?? `node-${randomBytes(3).toString("hex")}`;
  if (!/^[\w.-]{1,64}$/.test(id)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "A node id is 1 to 64 letters, digits, '.', '_' or '-'.",
    );
  }
  writeFileSync(path, `${id}\n`, { mode: 0o600 });
  return id;
}
