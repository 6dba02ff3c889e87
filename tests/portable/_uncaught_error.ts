// Copyright the threading for Deno authors. MIT license.
// An error of the library left uncaught, of the kind named by the last argument: the
// runtime's report must name this file's line (its code frame too), never the
// library's files (`uncaught_error` of `run.ts`).
import process from "node:process";
import { Lock, Thread } from "../../mod.ts";

/** Takes `lock`, which the main thread holds while it joins this thread. */
export function takeLock(lock: Lock): void {
  lock.acquire();
  lock.release();
}

const kind = process.argv[process.argv.length - 1];
if (kind === "start") {
  new Thread({ target: () => 1 }).start(); // the line the report must show
} else if (kind === "timeout") {
  new Lock().acquire(true, -5); // the line the report must show
} else if (kind === "deadlock") {
  const lock = new Lock();
  lock.acquire();
  const t = new Thread({ target: takeLock, args: [lock], daemon: true });
  t.start();
  t.join(); // the line the report must show
}
