// Copyright the threading for Deno authors. MIT license.
/**
 * threading_lock: a Counter guards its value with a Lock, so that two threads
 * incrementing it lose no change. The Counter is `Shareable`, so the threads receive the
 * same Counter, with its methods; its value lives in a shared cell (`SharedFloat64`).
 * (`@shared accessor value = 0` is the same where the runtime runs decorators: Deno and
 * Bun; Node's type stripping does not.)
 *
 * Run with `deno task example:lock`.
 *
 * @module
 */
import {
  enumerate,
  Lock,
  logging,
  mainThread,
  Shareable,
  SharedFloat64,
  sleep,
  Thread,
} from "../mod.ts";

/** A value that threads increment under a lock. */
export class Counter extends Shareable {
  /** Guards `value`. */
  lock: Lock = new Lock();
  /** The count's shared cell, the same in every thread. */
  cell: SharedFloat64 = new SharedFloat64(0);

  /** @param start The initial value. */
  constructor(start = 0) {
    super();
    this.value = start;
  }

  /** The count. */
  get value(): number {
    return this.cell.value;
  }

  set value(value: number) {
    this.cell.value = value;
  }

  /** Adds one, holding the lock. */
  increment(): void {
    logging.debug("Waiting for lock");
    this.lock.acquire();
    try {
      logging.debug("Acquired lock");
      this.value = this.value + 1;
    } finally {
      logging.debug("Release lock");
      this.lock.release();
    }
  }
}

/** Sleeps a random time and increments the counter, twice. */
export function worker(c: Counter): void {
  for (let i = 0; i < 2; i++) {
    const pause = Math.random();
    logging.debug("Sleeping %0.02f", pause);
    sleep(pause * 1000);
    c.increment();
  }
  logging.debug("Done");
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const counter = new Counter();
  for (let i = 0; i < 2; i++) {
    const t = new Thread({ target: worker, args: [counter] });
    t.start();
  }

  logging.debug("Waiting for worker threads");
  const main = mainThread();
  for (const t of enumerate()) {
    logging.debug("processing thread");
    if (t !== main) {
      logging.debug("start join");
      t.join();
    }
  }
  logging.debug("Counter: %d", counter.value);
}
