// Copyright the threading for Deno authors. MIT license.
// A thread waits for an Event nobody sets, and the main thread's code ends: the
// deadlock report's `at` lines must be this file's, on every runtime
// (`deadlock_site` of `run.ts`).
import { Event, Thread } from "../../mod.ts";

/** Waits for an Event with no timeout. */
export function waiter(e: Event): void {
  e.wait(); // waiter waits here
}

if (import.meta.main) {
  new Thread({ target: waiter, args: [new Event()] }).start();
  console.log("main done");
}
