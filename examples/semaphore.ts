// Copyright the threading for Deno authors. MIT license.
/**
 * threading_semaphore: a Semaphore(2) lets at most two workers into the pool at once. The
 * ActivePool is `Shareable`: every thread receives the same pool, whose list of active
 * names is a SharedList guarded by the pool's Lock.
 *
 * Run with `deno task example:semaphore`.
 *
 * @module
 */
import {
  currentThread,
  Lock,
  logging,
  Semaphore,
  Shareable,
  SharedList,
  sleep,
  Thread,
} from "../mod.ts";

/** Tracks which threads are running. */
export class ActivePool extends Shareable {
  /** The names of the running threads. */
  active: SharedList<string> = new SharedList<string>();
  /** Guards `active`. */
  lock: Lock = new Lock();

  /** Adds `name` to the running threads. @param name A thread's name. */
  makeActive(name: string): void {
    this.lock.with(() => {
      this.active.push(name);
      logging.debug("Running: %s", this.active);
    });
  }

  /** Removes `name` from the running threads. @param name A thread's name. */
  makeInactive(name: string): void {
    this.lock.with(() => {
      this.active.remove(name);
      logging.debug("Running: %s", this.active);
    });
  }
}

/** Joins the pool when the semaphore lets it, for 100 ms. */
export function worker(s: Semaphore, pool: ActivePool): void {
  logging.debug("Waiting to join the pool");
  s.with(() => {
    const name = currentThread().getName();
    pool.makeActive(name);
    sleep(100);
    pool.makeInactive(name);
  });
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "%(asctime)s (%(threadName)-2s) %(message)s",
  });

  const pool = new ActivePool();
  const s = new Semaphore(2);
  for (let i = 0; i < 4; i++) {
    const t = new Thread({
      target: worker,
      name: String(i),
      args: [s, pool],
    });
    t.start();
  }
}
