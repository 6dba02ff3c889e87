// Copyright the threading for Deno authors. MIT license.
// Process-level behaviour, in real subprocesses: exit rules, the excepthook's output,
// threads that cannot start.
import assert from "node:assert/strict";

const fixtures = new URL("./fixtures/", import.meta.url);

async function run(
  file: string,
  flags: string[] = ["--allow-read"],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", ...flags, new URL(file, fixtures).pathname],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const out = await child.output();
  clearTimeout(timer);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
    ms: performance.now() - t0,
  };
}

Deno.test("the process waits for non-daemon threads and kills daemon threads", async () => {
  const { code, stdout, ms } = await run("exit_daemon.ts");
  assert.equal(code, 0);
  const lines = stdout.trim().split("\n");
  assert.ok(lines.includes("main exiting"));
  assert.equal(lines.filter((l) => l === "non-daemon exiting").length, 2, stdout);
  assert.ok(lines.includes("starter exiting"));
  assert.ok(lines.includes("daemon starting"));
  assert.ok(!lines.includes("daemon exiting"), "the daemon died with the process");
  assert.ok(ms < 3000 + 2000, `ended before the daemon's 3 s sleep would (${ms} ms)`);
});

Deno.test("an uncaught error goes to the excepthook: default output, then a hook set in main", async () => {
  const { code, stdout, stderr } = await run("excepthook.ts");
  assert.equal(code, 0);
  assert.match(
    stderr,
    /^Exception in thread first:\nRangeError: bad value in thread\n\s+at fails/m,
  );
  assert.ok(stdout.includes("joined first, alive=false"));
  assert.ok(stdout.includes("hook: RangeError: bad value in thread in second"), stdout);
  assert.ok(!stderr.includes("Exception in thread second"));
  assert.ok(stdout.indexOf("hook:") < stdout.indexOf("joined second"));
});

Deno.test("start() fails with how to fix it when the target's module fails to load", async () => {
  const { code, stdout } = await run("bad_import.ts");
  assert.equal(code, 0);
  assert.match(
    stdout,
    /^ThreadError: Cannot start thread "Thread-1": the module .*_throws_in_worker\.ts failed to load in the new thread: .*refuses to load in a Worker/m,
  );
});

Deno.test("start() without --allow-read fails fast and says to add it", async () => {
  const { code, stdout, ms } = await run("no_read.ts", []);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /^ThreadError: Cannot start thread .*needs read permission.*--allow-read/m,
  );
  assert.ok(ms < 10_000);
});

Deno.test("a thread starts a thread while the main thread is blocked in join()", async () => {
  const { code, stdout } = await run("nested_while_blocked.ts");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), "leaf wrote 42");
});

Deno.test("errors outside run()'s chain go to the excepthook; process.exit() in a thread ends only it", async () => {
  const { code, stdout, stderr } = await run("stray_errors.ts");
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split("\n"), [
    "detached still running after the errors",
    "joined stray; alive=false",
    "joined quitter; alive=false",
  ]);
  assert.match(stderr, /Exception in thread stray:\nError: thrown in a timer/);
  assert.match(stderr, /Exception in thread stray:\nError: rejected and never handled/);
});
