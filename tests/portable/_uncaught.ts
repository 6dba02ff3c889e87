// Copyright the threading for Deno authors. MIT license.
// An error the library throws, left uncaught (`uncaught_error` of `run.ts`): the
// runtime's report of it (Node and Bun print the source line it was thrown at, Bun a few
// lines around it) must stay short. THREADING_UNCAUGHT names the call: `release` (an
// unheld Lock's release) or `start` (a thread whose target is an arrow function).
import process from "node:process";
import { Lock, Thread } from "../../mod.ts";

if (process.env.THREADING_UNCAUGHT === "start") {
  new Thread({ target: () => 1 }).start();
} else {
  new Lock().release();
}
