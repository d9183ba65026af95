import { Writable } from "node:stream";
import { pino } from "pino";

/** A logger that keeps its lines, to see what was logged and how often. */
export function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}
