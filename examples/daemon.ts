// Copyright the threading for Deno authors. MIT license.
/**
 * threading_daemon: a daemon thread does not keep the program alive. The program ends
 * when the main thread and the non-daemon thread are done, so the daemon's "Exiting"
 * line never appears.
 *
 * Run with `deno task example:daemon`.
 *
 * @module
 */
import { logging, sleep, Thread } from "../mod.ts";

/** Sleeps far longer than the program lives. */
export function daemon(): void {
  logging.debug("Starting");
  sleep(2000);
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
}
