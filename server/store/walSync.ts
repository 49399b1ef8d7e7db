/**
 * Group flushing of a SQLite write-ahead log: `flush()` resolves once everything written
 * to the log before the call is on disk. One fdatasync runs at a time, on libuv's thread
 * pool (the event loop goes on meanwhile); the calls made while it runs share the next
 * one. fdatasync through our own descriptor flushes SQLite's writes too: the kernel
 * flushes a file's dirty pages whoever wrote them (POSIX fsync is per file, not per
 * descriptor), which is what SQLite's own synchronous=FULL does at each commit.
 *
 * The log file exists from the first write of a WAL-mode connection and is removed only
 * when the last connection closes, so the descriptor stays valid: close this first.
 */
import { close as closeFd, fdatasync, openSync } from 'node:fs';

/** Flushes a file descriptor to disk (fdatasync by default; tests hold or count it). */
export type SyncFn = (fd: number) => Promise<void>;

const fdatasyncFn: SyncFn = (fd) =>
  new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));

export class WalSync {
  private fd: number | null = null;
  /** The flush running now. */
  private running: Promise<void> | null = null;
  /** The flush that starts when the running one ends: it covers every write made since that one began. */
  private next: Promise<void> | null = null;
  /** How many fdatasyncs were started (for tests and the bench). */
  flushes = 0;

  constructor(
    private readonly file: string,
    private readonly sync: SyncFn = fdatasyncFn,
  ) {}

  flush(): Promise<void> {
    if (this.next) return this.next;
    if (!this.running) return this.start();
    // The running flush may have begun before the caller's write: wait for the one after it.
    this.next = this.running
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    let p: Promise<void>;
    try {
      // Read-write: Windows flushes a file only through a handle that may write to it.
      this.fd ??= openSync(this.file, 'r+');
      this.flushes++;
      p = this.sync(this.fd);
    } catch (e) {
      p = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const running = p.finally(() => {
      if (this.running === running) this.running = null;
    });
    this.running = running;
    return running;
  }

  /** Waits for the flushes under way, then closes the descriptor. */
  async close(): Promise<void> {
    await (this.next ?? this.running)?.catch(() => undefined);
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      await new Promise<void>((resolve) => closeFd(fd, () => resolve()));
    }
  }
}
