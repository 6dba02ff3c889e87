// Copyright the threading for Deno authors. MIT license.
/**
 * threading_lock_noblock: `acquire(false)` tries the lock without waiting. The worker
 * counts how many tries it takes to get the lock three times while the holder takes and
 * gives it back in turn.
 *
 * Run with `deno task example:lock_noblock`.
 *
 * @module
 */
import { Lock, logging, sleep, Thread } from "../mod.ts";

/** Holds the lock for 500 ms, leaves it for 500 ms, forever (a daemon thread). */
export function lockHolder(lock: Lock): void {
  logging.debug("Starting");
  while (true) {
    lock.acquire();
    try {
      logging.debug("Holding");
      sleep(500);
    } finally {
      logging.debug("Not holding");
      lock.release();
    }
    sleep(500);
  }
}

/** Tries the lock every 500 ms until it got it three times. */
export function worker(lock: Lock): void {
  logging.debug("Starting");
  let numTries = 0;
  let numAcquires = 0;
  while (numAcquires < 3) {
    sleep(500);
    logging.debug("Trying to acquire");
    const haveIt = lock.acquire(false);
    try {
      numTries += 1;
      if (haveIt) {
        logging.debug("Iteration %d: Acquired", numTries);
        numAcquires += 1;
      } else {
        logging.debug("Iteration %d: Not acquired", numTries);
      }
    } finally {
      if (haveIt) {
        lock.release();
      }
    }
  }
  logging.debug("Done after %d iterations", numTries);
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const lock = new Lock();

  const holder = new Thread({
    target: lockHolder,
    args: [lock],
    name: "LockHolder",
    daemon: true,
  });
  holder.start();

  const workerThread = new Thread({
    target: worker,
    args: [lock],
    name: "Worker",
  });
  workerThread.start();
}
