import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type {
  WalCheckpointCommand,
  WalCheckpointFile,
  WalCheckpointReport,
  WalCheckpointResult,
} from "./walCheckpointWorker.js";

/** Where the thread reports on one file. */
export interface WalCheckpointListener {
  onCheckpoint(result: WalCheckpointResult): void;
  /** A checkpoint failed; the file's next poll tries again. */
  onError(message: string): void;
  /** The file is no longer checkpointed: it could not be opened, or the thread itself stopped. */
  onStopped(message: string): void;
}

/** One file on the shared thread; `close()` resolves once its connection is closed. */
export interface WalCheckpointLease {
  close(): Promise<void>;
}

// From dist/ the thread's body is a built file beside this one; from src/ (tests, the "@amstaff/source"
// condition) it is the TypeScript file, which Node runs type-stripped.
function workerEntry(): string {
  for (const candidate of ["./walCheckpointWorker.js", "./walCheckpointWorker.ts"]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`@amstaff/raft: cannot find walCheckpointWorker next to ${fileURLToPath(import.meta.url)}`);
}

/**
 * The one worker thread that checkpoints every file of the process: each thread is its own V8 isolate
 * with better-sqlite3 loaded, 13–18 MiB of RSS, so a thread per file would cost that per file. Started
 * by the first file and ended once the last is closed; a file opened after that starts a new one.
 */
export class WalCheckpointThread {
  static #current: WalCheckpointThread | undefined;

  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  readonly #listeners = new Map<number, WalCheckpointListener>();
  readonly #closing = new Map<number, () => void>();
  #nextId = 0;
  /** Files opened and not yet closed: the thread's reference count. */
  #open = 0;
  #running = true;

  static attach(file: WalCheckpointFile, listener: WalCheckpointListener): WalCheckpointLease {
    WalCheckpointThread.#current ??= new WalCheckpointThread();
    return WalCheckpointThread.#current.#start(file, listener);
  }

  /** Whether a thread is running now (tests). */
  static get running(): boolean {
    return WalCheckpointThread.#current !== undefined;
  }

  private constructor() {
    this.#worker = new Worker(workerEntry());
    // The thread never keeps a process alive on its own; closing its files is what ends it.
    this.#worker.unref();
    this.#worker.on("message", (report: WalCheckpointReport) => this.#report(report));
    // An error the thread did not catch ends it for every file: logged by each, not thrown, since
    // SQLite still works without checkpoints, only with a WAL that grows.
    this.#worker.on("error", (error) => {
      this.#detach();
      for (const listener of this.#listeners.values()) listener.onStopped(error.message);
      this.#listeners.clear();
    });
    this.#exited = new Promise((resolve) =>
      this.#worker.once("exit", () => {
        this.#running = false;
        this.#detach();
        for (const closed of this.#closing.values()) closed();
        this.#closing.clear();
        resolve();
      }),
    );
  }

  #start(file: WalCheckpointFile, listener: WalCheckpointListener): WalCheckpointLease {
    const id = this.#nextId++;
    this.#open++;
    this.#listeners.set(id, listener);
    this.#post({ kind: "open", id, file });
    let closed: Promise<void> | undefined;
    return { close: () => (closed ??= this.#close(id)) };
  }

  #close(id: number): Promise<void> {
    if (!this.#running) return Promise.resolve();
    // The listener stays until the thread's "closed": what the thread reported before it still arrives.
    this.#open--;
    const closed = new Promise<void>((resolve) => this.#closing.set(id, resolve));
    // Until the thread answers, its answer is what the caller waits for: it must keep the process alive
    // (a program whose last step is `await storage.close()` otherwise ends with that promise unsettled).
    this.#worker.ref();
    this.#post({ kind: "close", id });
    if (this.#open > 0) return closed;
    // The last file ends the thread (after its "close": messages arrive in order); a file opened from now
    // on starts a new thread rather than racing this one's end.
    this.#detach();
    this.#post({ kind: "end" });
    return this.#exited;
  }

  #report(report: WalCheckpointReport): void {
    if (report.kind === "closed") {
      this.#listeners.delete(report.id);
      this.#closing.get(report.id)?.();
      this.#closing.delete(report.id);
      if (this.#closing.size === 0 && this.#open > 0) this.#worker.unref();
      return;
    }
    const listener = this.#listeners.get(report.id);
    if (listener === undefined) return;
    if (report.kind === "checkpoint") listener.onCheckpoint(report.result);
    else if (report.kind === "error") listener.onError(report.message);
    else listener.onStopped(report.message);
  }

  #detach(): void {
    if (WalCheckpointThread.#current === this) WalCheckpointThread.#current = undefined;
  }

  #post(command: WalCheckpointCommand): void {
    this.#worker.postMessage(command);
  }
}
