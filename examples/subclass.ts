// Copyright the threading for Deno authors. MIT license.
/**
 * threading_subclass: a Thread subclass overrides `run()`. The class is exported, so
 * that the new thread can find it.
 *
 * Run with `deno task example:subclass`.
 *
 * @module
 */
import { logging, Thread } from "../mod.ts";

/** A thread whose work is its own `run()`. */
export class MyThread extends Thread {
  /** Runs in the new thread. */
  override run(): void {
    logging.debug("running");
  }
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  for (let i = 0; i < 5; i++) {
    const t = new MyThread();
    t.start();
  }
}
