// Copyright the threading for Deno authors. MIT license.
/**
 * threading_daemon_join: joining a daemon thread waits for it, so its "Exiting" line
 * appears.
 *
 * Run with `deno task example:daemon_join`.
 *
 * @module
 */
import { logging, sleep, Thread } from "../mod.ts";

/** Sleeps 200 ms between its two log lines. */
export function daemon(): void {
  logging.debug("Starting");
  sleep(200);
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

  d.join();
  t.join();
}
