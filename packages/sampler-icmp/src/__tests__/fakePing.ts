import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A stand-in `ping` executable in a temporary directory, removed by `await using`. */
export interface FakePing extends AsyncDisposable {
  /** Its path, for the `pingPath` option. */
  path: string;
}

/** Writes a `/bin/sh` script named `ping` whose body is `script`; it sees ping's arguments as `$@`. */
export async function fakePing(script: string): Promise<FakePing> {
  const dir = await mkdtemp(join(tmpdir(), "amstaff-fake-ping-"));
  const path = join(dir, "ping");
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
  return { path, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}
