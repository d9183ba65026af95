import { describe, expect, it } from "vitest";
import { EventHub, type EventSink, type HubTimers } from "./eventHub.js";

/** Timers the test fires by hand. */
function manualTimers() {
  const active = new Map<number, { callback: () => void; ms: number }>();
  let next = 1;
  const timers: HubTimers & { fire(ms: number): void; readonly count: number } = {
    setInterval: (callback, ms) => {
      active.set(next, { callback, ms });
      return next++;
    },
    clearInterval: (handle) => active.delete(handle as number),
    fire: (ms) => {
      for (const t of [...active.values()]) if (t.ms === ms) t.callback();
    },
    get count() {
      return active.size;
    },
  };
  return timers;
}

function sink(): EventSink & { chunks: string[]; ended: string | undefined; bufferedBytes: number } {
  return {
    chunks: [],
    ended: undefined,
    bufferedBytes: 0,
    write(chunk) {
      this.chunks.push(chunk);
      return true;
    },
    end(chunk) {
      this.ended = chunk ?? "";
    },
  };
}

/** The `changes` events a sink received, parsed. */
const changes = (s: { chunks: string[] }) =>
  s.chunks
    .join("")
    .split("\n\n")
    .filter((block) => block.startsWith("event: changes"))
    .map((block) => JSON.parse(block.split("\ndata: ")[1]!) as { at: number; rows: string[] });

describe("EventHub", () => {
  it("coalesces changes per key: one event per interval, one row per key however often it changed", () => {
    const timers = manualTimers();
    const rendered: string[][] = [];
    const hub = new EventHub<string>({
      timers,
      now: () => 42,
      render: (keys) => {
        rendered.push([...keys]);
        return keys.map((k) => `row ${k}`);
      },
    });
    const client = sink();
    hub.connect(client);
    expect(client.chunks[0]).toContain("event: hello");
    for (let i = 0; i < 1_000; i++) hub.changed("a");
    hub.changed("b");
    timers.fire(500);
    expect(rendered).toEqual([["a", "b"]]);
    expect(changes(client)).toEqual([{ at: 42, rows: ["row a", "row b"] }]);

    // Nothing changed: nothing sent, nothing rendered.
    timers.fire(500);
    expect(rendered).toHaveLength(1);
    expect(changes(client)).toHaveLength(1);
  });

  it("sends a resync hint for structural changes and heartbeats to idle clients", () => {
    const timers = manualTimers();
    const hub = new EventHub<string>({ timers, render: (keys) => [...keys] });
    const client = sink();
    hub.connect(client);
    hub.resync();
    hub.resync();
    timers.fire(500);
    expect(client.chunks.join("").match(/event: resync/g)).toHaveLength(1);
    timers.fire(15_000);
    expect(client.chunks.at(-1)).toBe(": heartbeat\n\n");
  });

  it("drops a client that falls behind with a resync event, and keeps serving the others", () => {
    const timers = manualTimers();
    const hub = new EventHub<string>({ timers, maxBufferedBytes: 1_000, render: (keys) => [...keys] });
    const slow = sink();
    const fast = sink();
    hub.connect(slow);
    hub.connect(fast);
    slow.bufferedBytes = 990;
    hub.changed("x".repeat(100));
    timers.fire(500);
    expect(slow.ended).toContain("event: resync");
    expect(slow.chunks.join("")).not.toContain("event: changes");
    expect(changes(fast)).toHaveLength(1);
    expect(hub.clients).toBe(1);
    expect(hub.dropped).toBe(1);
  });

  it("runs timers only while someone listens, and remembers no changes meanwhile", () => {
    const timers = manualTimers();
    const rendered: string[][] = [];
    const hub = new EventHub<string>({
      timers,
      render: (keys) => {
        rendered.push([...keys]);
        return [...keys];
      },
    });
    hub.changed("before anyone listens");
    expect(timers.count).toBe(0);
    const disconnect = hub.connect(sink());
    expect(timers.count).toBe(2);
    disconnect();
    expect(timers.count).toBe(0);
    const client = sink();
    hub.connect(client);
    timers.fire(500);
    expect(rendered).toEqual([]);
    hub.close();
    expect(client.ended).toBe("");
    expect(timers.count).toBe(0);
  });
});

describe("EventHub.urgent", () => {
  it("sends a status change within urgentMs, gathering a burst into one event, without waiting for the interval", () => {
    const timers = manualTimers();
    const timeouts: { callback: () => void; ms: number }[] = [];
    const hub = new EventHub<string>({
      timers: {
        ...timers,
        setTimeout: (callback, ms) => timeouts.push({ callback, ms }),
        clearTimeout: () => {},
      },
      urgentMs: 25,
      now: () => 7,
      render: (keys) => keys.map((k) => `row ${k}`),
    });
    const client = sink();
    hub.connect(client);
    hub.urgent("a");
    hub.urgent("b");
    hub.changed("c");
    // One early flush is armed for the burst, not one per change.
    expect(timeouts.map((t) => t.ms)).toEqual([25]);
    expect(changes(client)).toEqual([]);
    timeouts[0]!.callback();
    expect(changes(client)).toEqual([{ at: 7, rows: ["row a", "row b", "row c"] }]);
    // Nothing is left for the interval, and a later urgent change arms a new flush.
    timers.fire(500);
    expect(changes(client)).toHaveLength(1);
    hub.urgent("a");
    expect(timeouts).toHaveLength(2);
    hub.close();
  });

  it("ignores urgent changes while nobody listens", () => {
    const timeouts: unknown[] = [];
    const hub = new EventHub<string>({
      timers: { ...manualTimers(), setTimeout: (c) => timeouts.push(c), clearTimeout: () => {} },
      render: (keys) => [...keys],
    });
    hub.urgent("a");
    expect(timeouts).toEqual([]);
  });
});
