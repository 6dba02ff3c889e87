// Copyright the threading for Deno authors. MIT license.
// Code defined in another module than the one that starts the thread, found without a
// `module` option, in a real subprocess (tests/fixtures/cross_module/).
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

Deno.test("targets, subclasses, Shareables, Barrier actions, Timers and the excepthook from another module", async () => {
  const main = new URL("./fixtures/cross_module/main.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", main],
    { timeoutMs: 30_000 },
  );
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.deepEqual(lines.slice(0, 9), [
    "crunch(7) in target",
    "local target",
    "Cruncher.run in subclass",
    "Tally added in shareable",
    "tally=1",
    "crunch(3) in Thread-1",
    "barrier action in b",
    "crunch(1) in Thread-2 (crunch)",
    "hook: failed on purpose in failing",
  ]);
  assert.match(
    lines[9],
    /^arrow: TypeError: Cannot start thread "Thread-3 \(target\)": the target is an arrow function that no module exports at its top level/,
  );
  assert.match(
    lines[10],
    /^closure: TypeError: Cannot start thread "Thread-4 \(hidden\)": the function hidden is declared inside a function or a block of .*main\.ts \(a closure\), not at the top level of its module.*move hidden to the top level, export it/,
  );
});
