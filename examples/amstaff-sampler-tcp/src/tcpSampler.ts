import { Socket } from "node:net";
import {
  type ProbeContext,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
} from "@amstaff/core";
import type { ParsedTcpOptions } from "./options.js";

/** Creates a sampler that is `ok` when `host:port` accepts a TCP connection, `critical` otherwise. */
export function createTcpSampler(options: ParsedTcpOptions, { name, tags }: SamplerCreateContext): Sampler {
  const target = `${options.host}:${options.port}`;
  return {
    name,
    tags,
    probe(context?: ProbeContext): Promise<SampleResult> {
      const timestamp = Date.now();
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      return new Promise((resolve) => {
        // The signal destroys the socket when the server gives up on this probe (timeout, shutdown).
        const socket = new Socket(context ? { signal: context.signal } : {});
        const finish = (result: SampleResult) => {
          socket.destroy();
          resolve(result);
        };
        socket.setTimeout(options.timeoutMs, () =>
          finish(
            results.critical(`no connection to ${target} within ${options.timeoutMs} ms`, {
              durationMs: elapsed(),
              timestamp,
            }),
          ),
        );
        socket.once("connect", () =>
          finish(
            results.ok(`${target} accepts connections`, {
              value: elapsed(),
              durationMs: elapsed(),
              timestamp,
            }),
          ),
        );
        socket.once("error", (error: NodeJS.ErrnoException) =>
          finish(
            context?.signal.aborted
              ? results.unknown(`probe of ${target} aborted`, { durationMs: elapsed(), timestamp })
              : results.critical(`cannot connect to ${target} (${error.code ?? error.message})`, {
                  durationMs: elapsed(),
                  timestamp,
                }),
          ),
        );
        socket.connect(options.port, options.host);
      });
    },
  };
}
