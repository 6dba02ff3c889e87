// Copyright the threading for Deno authors. MIT license.
// Threads print just before the process ends, and the main thread does not join them:
// every line must reach stdout (`output_at_exit` of `run.ts`).
import { Thread } from "../../mod.ts";

/** Prints its line, then ends: the process may end right after. */
export function say(n: number): void {
  console.log(`thread ${n} says goodbye`);
}

if (import.meta.main) {
  for (let n = 0; n < 8; n++) new Thread({ target: say, args: [n] }).start();
  console.log("main done");
}
