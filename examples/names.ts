// Copyright the threading for Deno authors. MIT license.
/**
 * threading_names: every thread has a name, given or default (`Thread-1 (worker)`, as CPython 3.10+).
 *
 * Run with `deno task example:names`.
 *
 * @module
 */
import { currentThread, sleep, Thread } from "../mod.ts";

/** Sleeps 200 ms between its two lines. */
export function worker(): void {
  console.log(currentThread().getName(), "Starting");
  sleep(200);
  console.log(currentThread().getName(), "Exiting");
}

/** Sleeps 300 ms between its two lines. */
export function myService(): void {
  console.log(currentThread().getName(), "Starting");
  sleep(300);
  console.log(currentThread().getName(), "Exiting");
}

if (import.meta.main) {
  const t = new Thread({ name: "my_service", target: myService });
  const w = new Thread({ name: "worker", target: worker });
  const w2 = new Thread({ target: worker }); // use default name

  w.start();
  w2.start();
  t.start();
}
