// Copyright the threading for Deno authors. MIT license.
/**
 * LogTape loaded only by the Workers whose threads use it (`src/_logtape.ts`): a thread
 * that does not log, or logs through `basicConfig`, leaves LogTape unloaded in its
 * Worker; a thread whose own code configures LogTape on such a Worker gets its records
 * (with `threadName`), and the next thread on that Worker starts unconfigured.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const PROGRAM = new URL("./fixtures/lazy_logtape_app.ts", import.meta.url).pathname;

Deno.test("a thread that does not use LogTape does not load it; one that configures it on that Worker gets its records", async () => {
  const { stdout, stderr, success } = await runDeno(
    ["run", "--allow-read", PROGRAM],
    { timeoutMs: 120_000, stdin: "null" },
  );
  assert.equal(stderr, "");
  assert.ok(success);
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    "quiet: logtape false",
    "plain plain: through basicConfig",
    "plain: logtape false",
    'self-1: sink got "self-1 job 1" from self-1',
  ]);
  // self-2 ran on self-1's Worker or on another: configured either way.
  assert.match(lines[4], /^self-2: sink got "self-2 job [12]" from self-2$/);
  // The last thread logs through basicConfig: no thread's LogTape sink is left.
  assert.match(lines[5], /^after after: job [1-3], not to the sink$/);
  assert.equal(lines.length, 6);
  assert.ok(
    lines.some((line) => / job [23]/.test(line)),
    "no thread ran on a reused Worker",
  );
});
