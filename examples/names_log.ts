// Copyright the threading for Deno authors. MIT license.
/**
 * threading_names_log: the logging format field `%(threadName)s` names the thread that
 * wrote each line.
 *
 * Run with `deno task example:names_log`.
 *
 * @module
 */
import { logging, sleep, Thread } from "../mod.ts";

/** Sleeps 200 ms between its two log lines. */
export function worker(): void {
  logging.debug("Starting");
  sleep(200);
  logging.debug("Exiting");
}

/** Sleeps 300 ms between its two log lines. */
export function myService(): void {
  logging.debug("Starting");
  sleep(300);
  logging.debug("Exiting");
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "[%(levelname)s] (%(threadName)-10s) %(message)s",
  });

  const t = new Thread({ name: "my_service", target: myService });
  const w = new Thread({ name: "worker", target: worker });
  const w2 = new Thread({ target: worker }); // use default name

  w.start();
  w2.start();
  t.start();
}
