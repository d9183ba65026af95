// The body of the thread every WalCheckpointer of a process shares (see walCheckpointThread.ts): one
// connection per database file, checkpointing the WAL that the owner's connections write with
// `wal_autocheckpoint=0`. Self-contained (only Node and better-sqlite3) so that Node runs it as it is,
// from dist/ or, type-stripped, from src/.
import { closeSync, openSync, readlinkSync, readSync, statSync } from "node:fs";
import { endianness, setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import Database from "better-sqlite3";

/** One file the thread checkpoints, with its WalCheckpointer's options. */
export interface WalCheckpointFile {
  path: string;
  thresholdPages: number;
  intervalMs: number;
  pollMs: number;
  truncateBytes: number;
  /** The owner's preallocated WAL size; 0 for none. */
  walBytes: number;
}

/** One checkpoint the thread ran: the row `PRAGMA wal_checkpoint` returned, and how long it took. */
export interface WalCheckpointResult {
  mode: "PASSIVE" | "RESTART" | "TRUNCATE";
  /** 1 when it could not finish without waiting for a writer or reader (it never waits). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames of the WAL now in the database file. */
  checkpointed: number;
  ms: number;
}

/** What the thread posts to its owner, about the file the owner numbered `id`. */
export type WalCheckpointReport = { id: number } & (
  | { kind: "checkpoint"; result: WalCheckpointResult }
  /** A checkpoint failed; the file's next poll tries again. */
  | { kind: "error"; message: string }
  /** The file could not be opened: it is not checkpointed. */
  | { kind: "failed"; message: string }
  /** The file's connection is closed, after a "close". */
  | { kind: "closed" }
);

/**
 * What the owner posts: start or stop checkpointing a file, or end the thread (once no file is left;
 * messages arrive in order, so every "close" before it is done).
 */
export type WalCheckpointCommand =
  | { kind: "open"; id: number; file: WalCheckpointFile }
  | { kind: "close"; id: number }
  | { kind: "end" };

const ownerPort = parentPort;
if (ownerPort === null) throw new Error("walCheckpointWorker runs only as a worker thread");
const port = ownerPort;

// Background work: on Linux, setpriority on a thread id lowers this thread alone, so that on a busy
// machine the scheduler runs the owner's event loop first. Elsewhere the thread keeps its priority.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 10);
} catch {}

/**
 * Checkpoints one file on a timer of its own (its own `pollMs`): the thread runs one checkpoint at a time,
 * so a file waits at most for one checkpoint of another. Returns what closes its connection.
 */
function watch(id: number, file: WalCheckpointFile): () => void {
  const wal = `${file.path}-wal`;
  const db = new Database(file.path, { fileMustExist: true, timeout: 0 });
  // The checkpointing connection's own setting decides the syncs: the WAL is synced before its frames are
  // copied, and the database file before the WAL may be reused, so a checkpoint never loses a commit —
  // even one written with synchronous=NORMAL. A crash mid-checkpoint is SQLite's own case: the WAL is
  // still whole and is replayed on the next open.
  db.pragma("synchronous = FULL");
  const passive = db.prepare<[], Omit<WalCheckpointResult, "mode" | "ms">>("PRAGMA wal_checkpoint(PASSIVE)");
  const truncate = db.prepare<[], Omit<WalCheckpointResult, "mode" | "ms">>(
    "PRAGMA wal_checkpoint(TRUNCATE)",
  );
  const restart = db.prepare<[], Omit<WalCheckpointResult, "mode" | "ms">>("PRAGMA wal_checkpoint(RESTART)");
  const statements = { PASSIVE: passive, RESTART: restart, TRUNCATE: truncate };

  let checkpointedSize = 0;
  let checkpointedMtime = 0;
  let checkpointedAt = performance.now();
  let lastError = "";
  let behind = false;

  // The wal-index header in `-shm` (https://www.sqlite.org/walformat.html, native byte order): mxFrame, the
  // WAL's last valid frame, at byte 16; nBackfill, the frames already copied into the database, at byte 96.
  // Read without SQLite's locks, so only a hint of when to checkpoint — SQLite decides what is copied.
  const shm = Buffer.alloc(100);
  const little = endianness() === "LE";
  function pagesBehind(): number | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(`${file.path}-shm`, "r");
      if (readSync(fd, shm, 0, shm.length, 0) < shm.length) return undefined;
      const at = (offset: number) => (little ? shm.readUInt32LE(offset) : shm.readUInt32BE(offset));
      return Math.max(0, at(16) - at(96));
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  function checkpoint(mode: WalCheckpointResult["mode"]): WalCheckpointResult {
    const started = performance.now();
    const row = statements[mode].get()!;
    const result = { mode, ...row, ms: performance.now() - started };
    port.postMessage({ id, kind: "checkpoint", result } satisfies WalCheckpointReport);
    return result;
  }

  function tick(): void {
    let size: number;
    let mtime: number;
    try {
      ({ size, mtimeMs: mtime } = statSync(wal));
    } catch (error) {
      // No WAL: nothing was written since the last connection closed (or since a TRUNCATE).
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const written = size !== checkpointedSize || mtime !== checkpointedMtime;
    // The interval catches what stays under the threshold (and a header that could not be read).
    // A checkpoint that did not catch up is retried at the next poll: checkpoints only at the interval can
    // fall in step with the owner's own periodic writes and never find the quiet moment they need.
    const due =
      behind ||
      (pagesBehind() ?? 0) >= file.thresholdPages ||
      (written && performance.now() - checkpointedAt >= file.intervalMs);
    if (!due) return;
    checkpointedSize = size;
    checkpointedMtime = mtime;
    checkpointedAt = performance.now();
    // PASSIVE never takes the write lock, so the owner's commits never wait for it. Once everything is
    // copied, the owner's next commit starts the WAL over from its beginning; the file itself keeps its
    // largest size.
    const passed = checkpoint("PASSIVE");
    // Only a WAL copied to its last frame is started over by the next commit. `log` is the last frame as
    // the checkpoint began: the header tells whether commits came in meanwhile.
    behind = passed.busy !== 0 || passed.checkpointed < passed.log || (pagesBehind() ?? 0) > 0;
    // Writers that never leave PASSIVE a moment to catch up, or one burst, can leave a large file: past
    // the limit, TRUNCATE copies the few frames left and empties the file. With no busy timeout it never
    // waits for the owner: if a writer or reader is active it degrades to PASSIVE and the next tick retries.
    // It holds the write lock only for that remainder, so an owner's commit may wait a few ms — rarely.
    // A preallocated file is not emptied (its commits would grow it again): RESTART makes the owner's next
    // commit start it over, and the owner's `journal_size_limit` trims it back to the preallocated size.
    if (size >= file.truncateBytes) {
      const mode = file.walBytes > 0 ? "RESTART" : "TRUNCATE";
      const truncated = checkpoint(mode);
      if (truncated.busy === 0) {
        // A restarted file keeps its size until the owner's next commit: not a write to checkpoint for.
        checkpointedSize = mode === "RESTART" ? size : 0;
        behind = false;
      }
    }
  }

  const timer = setInterval(() => {
    try {
      tick();
      lastError = "";
    } catch (error) {
      // Logged by the owner, once per distinct error: a missed checkpoint only lets the WAL grow.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastError)
        port.postMessage({ id, kind: "error", message } satisfies WalCheckpointReport);
      lastError = message;
    }
  }, file.pollMs);

  return () => {
    clearInterval(timer);
    // If this is the file's last connection, closing checkpoints what is left and removes the WAL — here,
    // off the owner's event loop.
    db.close();
  };
}

const files = new Map<number, () => void>();

port.on("message", (command: WalCheckpointCommand) => {
  if (command.kind === "open") {
    try {
      files.set(command.id, watch(command.id, command.file));
    } catch (error) {
      // A file that cannot be opened is reported and left out; the thread goes on with the others.
      const message = error instanceof Error ? error.message : String(error);
      port.postMessage({ id: command.id, kind: "failed", message } satisfies WalCheckpointReport);
    }
  } else if (command.kind === "close") {
    files.get(command.id)?.();
    files.delete(command.id);
    port.postMessage({ id: command.id, kind: "closed" } satisfies WalCheckpointReport);
  } else {
    // Nothing left open: closing the port lets the thread end.
    port.close();
  }
});
