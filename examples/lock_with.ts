// Copyright the threading for Deno authors. MIT license.
/**
 * threading_lock_with: `using _ = lock.hold()` holds a lock to the end of the block, as
 * Python's `with lock:`; the same as acquire() and release() in try/finally.
 *
 * Run with `deno task example:lock_with`.
 *
 * @module
 */
import { Lock, logging, Thread } from "../mod.ts";

/** Holds the lock for a block with `using`. */
export function workerWith(lock: Lock): void {
  using _ = lock.hold();
  logging.debug("Lock acquired via with");
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
