// Copyright the threading for Deno authors. MIT license.
/**
 * threading_enumerate: `enumerate()` lists the live threads, the main thread among them;
 * join all the others without keeping their handles.
 *
 * Run with `deno task example:enumerate`.
 *
 * @module
 */
import { enumerate, logging, mainThread, sleep, Thread } from "../mod.ts";

/** thread worker function */
export function worker(): void {
  const pause = (Math.floor(Math.random() * 5) + 1) / 10;
  logging.debug("sleeping %0.2f", pause);
  sleep(pause * 1000);
  logging.debug("ending");
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  for (let i = 0; i < 3; i++) {
    const t = new Thread({ target: worker, daemon: true });
    t.start();
  }

  const main = mainThread();
  for (const t of enumerate()) {
    if (t === main) {
      continue;
    }
    logging.debug("joining %s", t.getName());
    t.join();
  }
}
