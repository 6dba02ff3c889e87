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

Deno.test("LogTape that cannot load in the main thread is said once, when the adapter is first used, with how to fix it; never to a program that does not log", async () => {
  const program = new URL("./fixtures/logtape_unloadable.ts", import.meta.url).pathname;
  const notice =
    /^threading: the logging adapter cannot load LogTape \(npm:@logtape\/logtape@\^2\.4\.2\): npm specifiers were requested; but --no-npm is specified.*\. Records go to basicConfig's handler or, from WARNING up, to stderr; a LogTape configuration of this library's copy is not used\. To fix it, let Deno fetch it \(run without --no-npm; with --cached-only, run once online or `deno install` first\)\.$/;
  for (const mode of ["early", "late", "quiet"]) {
    const { stdout, stderr, success } = await runDeno(
      ["run", "--no-npm", "--allow-read", program, mode],
      { timeoutMs: 120_000, stdin: "null" },
    );
    assert.ok(success, `${mode}: ${stderr}`);
    assert.equal(stdout, "end\n", mode);
    const lines = stderr.trimEnd().split("\n").filter((line) => line !== "");
    if (mode === "quiet") {
      assert.deepEqual(lines, [], mode);
      continue;
    }
    // The records still reach stderr (Python's last resort); the notice comes once,
    // first when the load had failed before the first record, else as it fails.
    assert.deepEqual(
      lines.filter((line) => !notice.test(line)),
      // logging.warning() sets up basicConfig, as Python's does.
      [
        "WARNING:root:first record",
        "WARNING:app:second record",
        "WARNING:app:from a thread",
      ],
      mode,
    );
    assert.equal(
      lines.filter((line) => notice.test(line)).length,
      1,
      `${mode}: ${stderr}`,
    );
    if (mode === "late") assert.match(lines[0], notice);
  }
});
