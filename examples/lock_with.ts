// Copyright the threading for Deno authors. MIT license.
/**
 * threading_lock_with: `lock.with(fn)` holds a lock while `fn` runs, as Python's
 * `with lock:`; the same as acquire() and release() in try/finally. (`using _ =
 * lock.hold()` holds it to the end of the block, the same, where the runtime has `using`:
 * Deno, Bun, Node ≥ 24; Node 22 has not.)
 *
 * Run with `deno task example:lock_with`.
 *
 * @module
 */
import { Lock, logging, Thread } from "../mod.ts";

/** Holds the lock while a function runs, as `with lock:`. */
export function workerWith(lock: Lock): void {
  lock.with(() => {
    logging.debug("Lock acquired via with");
  });
}

/** Holds the lock with acquire() and release(). */
export function workerNoWith(lock: Lock): void {
  lock.acquire();
  try {
    logging.debug("Lock acquired directly");
  } finally {
    lock.release();
  }
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const lock = new Lock();
  const w = new Thread({ target: workerWith, args: [lock] });
  const nw = new Thread({ target: workerNoWith, args: [lock] });

  w.start();
  nw.start();
}
