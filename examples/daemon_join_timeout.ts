// Copyright the threading for Deno authors. MIT license.
/**
 * threading_daemon_join_timeout: `join(timeout)` returns after the timeout (in
 * milliseconds) even if the thread is still alive.
 *
 * Run with `deno task example:daemon_join_timeout`.
 *
 * @module
 */
import { logging, sleep, Thread } from "../mod.ts";

/** Sleeps longer than the join's timeout. */
export function daemon(): void {
  logging.debug("Starting");
  sleep(3000);
  logging.debug("Exiting");
}

/** Logs two lines and ends. */
export function nonDaemon(): void {
  logging.debug("Starting");
  logging.debug("Exiting");
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const d = new Thread({ name: "daemon", target: daemon, daemon: true });

  const t = new Thread({ name: "non-daemon", target: nonDaemon });

  d.start();
  t.start();

  d.join(100);
  console.log("d.isAlive()", d.isAlive());
  t.join();
}
