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

Deno.test("a program that logs through the adapter and never uses LogTape runs with --no-npm, and hears nothing about LogTape", async () => {
  const program = new URL("./fixtures/logtape_unloadable.ts", import.meta.url).pathname;
  for (const mode of ["adapter", "quiet"]) {
    const { stdout, stderr, success } = await runDeno(
      ["run", "--no-npm", "--allow-read", program, mode],
      { timeoutMs: 120_000, stdin: "null" },
    );
    assert.ok(success, `${mode}: ${stderr}`);
    assert.equal(stdout, "end\n", mode);
    // The records reach stderr (Python's last resort; logging.warning() sets up
    // basicConfig, as Python's does), and nothing else does.
    assert.deepEqual(
      stderr.trimEnd().split("\n").filter((line) => line !== ""),
      mode === "quiet" ? [] : [
        "WARNING:root:first record",
        "WARNING:app:second record",
        "WARNING:app:from a thread",
      ],
      mode,
    );
  }
});

Deno.test("offline, with only the app's other copy of LogTape cached, a thread that uses it and the adapter runs with no fetch and no notice", async () => {
  const program = new URL("./fixtures/logtape_unloadable.ts", import.meta.url).pathname;
  const map = new URL("./fixtures/logtape_other_copy.json", import.meta.url).pathname;
  const denoDir = await Deno.makeTempDir({ prefix: "threading_unloadable_" });
  try {
    // Only the app's copy (2.3.13) in a fresh cache, from the npm registry (the library's
    // is in no program's graph), then offline: --cached-only (a closed registry port would
    // not do: Deno's npm cache is per registry). The library's copy is not the app's: its
    // Worker does not load it (nor wait for it), and the adapter logs through the tree.
    const cached = await runDeno(
      ["cache", "--no-lock", "--no-config", "npm:@logtape/logtape@2.3.13"],
      { env: { DENO_DIR: denoDir }, timeoutMs: 120_000, stdin: "null" },
    );
    assert.ok(cached.success, cached.stderr);
    const { stdout, stderr, success, ms } = await runDeno(
      [
        "run",
        "--cached-only",
        "--no-lock",
        `--import-map=${map}`,
        "--allow-read",
        program,
        "other",
      ],
      { env: { DENO_DIR: denoDir }, timeoutMs: 120_000, stdin: "null" },
    );
    assert.ok(success, stderr);
    assert.equal(stdout, "end\n");
    assert.deepEqual(
      stderr.trimEnd().split("\n"),
      [
        "WARNING:root:first record",
        "WARNING:app:second record",
        "WARNING:app:from a thread",
      ],
      stderr,
    );
    assert.ok(ms < 30_000, `${ms} ms`);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});
