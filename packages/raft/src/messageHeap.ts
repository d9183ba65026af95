import type { Message } from "./types.js";

/** A message in flight in the simulated network, due at virtual time `at`; `seq` orders ties. */
export interface TimedMessage {
  at: number;
  seq: number;
  m: Message;
}

/** The simulated network's in-flight messages, a binary min-heap by due time then sending order. */
export class MessageHeap {
  #items: TimedMessage[] = [];
  get size(): number {
    return this.#items.length;
  }
  push(item: TimedMessage): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  peek(): TimedMessage | undefined {
    return this.#items[0];
  }
  pop(): TimedMessage | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.#less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.#less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
  #less(x: { at: number; seq: number }, y: { at: number; seq: number }): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}
