// Copyright the threading for Deno authors. MIT license.
// "Never hang silently", in real subprocesses: records that a dead thread leaves in a
// primitive are reclaimed, an RLock whose owner died gives OwnerDiedError, the
// deadlock report, dumpThreads(), signals while the main thread is blocked.
import assert from "node:assert/strict";

const fixtures = new URL("./fixtures/", import.meta.url);

interface Run {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a fixture in its own process; kills it after `limit` ms (a hang). */
async function run(
  file: string,
  env: Record<string, string> = {},
  limit = 60_000,
): Promise<Run> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", "--allow-read", new URL(file, fixtures).pathname],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), limit);
  const out = await child.output();
  clearTimeout(timer);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    signal: out.signal,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
    ms: performance.now() - t0,
  };
}

Deno.test("a thread that ends inside an …Async wait leaves no record: Lock, Condition, Barrier", async () => {
  const { code, stdout, stderr } = await run("dead_async_waiters.ts");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  // A starving count left by a dead acquireAsync() made the free lock look held.
  assert.ok(lines.includes("lock: the async waiter starved=true"), stdout);
  assert.ok(lines.includes("lock: free after the starving waiter died=true"), stdout);
  // A dead waitAsync() node swallowed the notify() meant for the live waiter.
  assert.ok(lines.includes("condition: live waiter notified=true"), stdout);
  // A dead waitAsync() party let two live parties of three through, then never drained.
  assert.ok(lines.includes("barrier: broken=true"), stdout);
  assert.equal(lines.filter((l) => l === "barrier: BrokenBarrierError").length, 2);
  assert.equal(lines.filter((l) => l === "barrier: passed").length, 3, "reset() works");
});

Deno.test("an RLock whose owner ends in any way gives the next acquire() OwnerDiedError within 1 s", async () => {
  const { code, stdout, stderr } = await run("owner_died.ts");
  assert.equal(code, 0, stderr);
  for (const how of ["return", "throw", "process.exit", "Deno.exit", "async"]) {
    const line = stdout.split("\n").find((l) => l.startsWith(`${how}: OwnerDiedError`));
    assert.ok(line, `${how}: ${stdout}`);
    assert.match(line, /ok=true ms=\d+ <locked RLock owner=1 count=1>/);
    // The owner sleeps 200 ms before it ends; the error follows within 1 s.
    const ms = Number(/ms=(\d+)/.exec(line)![1]);
    assert.ok(ms < 200 + 1000, line);
    assert.ok(stdout.includes(`${how}: free=true`), stdout);
  }
});
