// Copyright the threading for Deno authors. MIT license.
/**
 * threading_timer: a Timer runs its function after a delay (milliseconds) unless it is
 * cancelled first. t2 is cancelled and never runs; t1 runs after the main thread is done,
 * because the program waits for its non-daemon threads.
 *
 * The delays are those of the Python 2 seed halved (1 s and 0.5 s) rather than the
 * Python 3 seed's 0.3 s and 0.2 s: starting a thread on a Worker takes tens of
 * milliseconds (microseconds in CPython), and t1 counts while t2 starts, which would
 * leave only a few milliseconds between "done" and t1's line.
 *
 * Run with `deno task example:timer`.
 *
 * @module
 */
import { logging, sleep, Timer } from "../mod.ts";

/** What the timers run. */
export function delayed(): void {
  logging.debug("worker running");
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const t1 = new Timer(1000, delayed);
  t1.setName("t1");
  const t2 = new Timer(1000, delayed);
  t2.setName("t2");

  logging.debug("starting timers");
  t1.start();
  t2.start();

  logging.debug("waiting before canceling %s", t2.getName());
  sleep(500);
  logging.debug("canceling %s", t2.getName());
  t2.cancel();
  logging.debug("done");
}
