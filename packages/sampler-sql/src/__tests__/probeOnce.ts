// A program that probes a SQLite file once with the sampler, disposes it, and has nothing else to do:
// it must exit by itself, with every connection process gone. Run by sqlitePool.test.ts.
//   node --import ../../scripts/tsHooks.mjs --conditions=@amstaff/source src/__tests__/probeOnce.ts <file>
import { sqlSampler } from "../sqlSampler.js";

const sampler = sqlSampler({ url: `sqlite://${process.argv[2]}`, query: "SELECT count(*) FROM t" });
const result = await sampler.probe();
await sampler.dispose?.();
process.stdout.write(`${result.status}\n`);
