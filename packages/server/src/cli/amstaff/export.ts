import { writeFileSync } from "node:fs";
import type { Operation, SuccessOf } from "../../client/client.js";
import { type Command, exit, readSource } from "./command.js";

type ExportFile = SuccessOf<Operation<"/export", "get">>;
type Imported = SuccessOf<Operation<"/import", "post">>;

/** `amstaff export [--out file]`: the whole state of the cluster, as a file `amstaff import` reads. */
export const exportState: Command = {
  help: `amstaff export [--out <file>]

Writes the cluster's whole state (modules and their history, monitor statuses, open incidents, pending
deliveries, silences, the audit) as one JSON file, for amstaff import on another cluster, of either
engine, of this version or a later one. The cluster's id, members and module owners stay behind.
Needs an admin token. The read is consistent: everything committed before it is in the file.

  --out <file>   write the file there, readable by its owner only (default: standard output)`,
  async run({ flags, client, out }) {
    const file = await client().request<ExportFile>("GET", "/export");
    const text = `${JSON.stringify(file)}\n`;
    if (flags.out === undefined) {
      process.stdout.write(text);
      return exit.ok;
    }
    // The file holds every module's source and the audit: not for every user of the machine.
    writeFileSync(flags.out, text, { mode: 0o600 });
    out(
      `exported ${file.state.modules.length} module(s) of cluster ${file.source.clusterId ?? "(no id)"} to ${flags.out}`,
    );
    return exit.ok;
  },
};

/** `amstaff import <file> [--replace]`: moves an exported state into this cluster. */
export const importState: Command = {
  help: `amstaff import <file> [--replace]

Imports a file amstaff export wrote into this cluster, of either engine: its modules start running on
this cluster's nodes and its pending deliveries are delivered from here. Refused when the cluster
already has modules, unless --replace. The cluster keeps its own id, members and tokens.
Needs an admin token; the file is at most 48 MiB. Over about 1 MiB, import into the cluster's first node
started alone, then add the others (see "Moving a cluster" in the server's README).

  --replace   replace this cluster's whole state (its modules, history, incidents, silences, audit)`,
  async run({ args, flags, client, json, need, say }) {
    need(1, "the export file");
    const query = flags.replace === true ? "?replace=true" : "";
    const imported = await client().request<Imported>("POST", `/import${query}`, readSource(args[0]!));
    if (flags.json) return json(imported);
    return say(
      `imported ${imported.modules} module(s) from cluster ${imported.source.clusterId ?? "(no id)"} (amstaff-server ${imported.source.version})${imported.replaced ? ", replacing this cluster's state" : ""}`,
    );
  },
};
