// Copyright the threading for Deno authors. MIT license.
// "Never hang silently", in real subprocesses: records that a dead thread leaves in a
// primitive are reclaimed, an RLock whose owner died gives OwnerDiedError, the
// deadlock report, dumpThreads(), signals while the main thread is blocked.
import assert from "node:assert/strict";
import { runDeno, runDenoLines } from "./_subprocess.ts";

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
  flags: string[] = [],
  args: string[] = [],
): Promise<Run> {
  return await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      ...flags,
      new URL(file, fixtures).pathname,
      ...args,
    ],
    { env, timeoutMs: limit },
  );
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

Deno.test("a SIGINT/SIGTERM listener runs while the main thread is blocked in join, acquire, Event.wait, sleep, Condition.wait, Barrier.wait", async () => {
  const latencies: number[] = [];
  let sentAt = 0;
  const { lines, stderr, status } = await runDenoLines(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("signal_while_blocked.ts", fixtures).pathname,
    ],
    async (line, child) => {
      const ran = /listener ran at (\d+)/.exec(line);
      if (ran) latencies.push(Number(ran[1]) - sentAt);
      if (line.startsWith("blocking in")) {
        // Let the call block for real, then signal.
        await new Promise((resolve) => setTimeout(resolve, 200));
        sentAt = Date.now();
        child.kill(line.includes("until SIGTERM") ? "SIGTERM" : "SIGINT");
      }
    },
  );
  const text = lines.join("\n");
  assert.equal(status.code, 7, `${text}\n${stderr}`);
  const calls = [
    "join",
    "acquire",
    "Event.wait",
    "sleep",
    "Condition.wait",
    "Barrier.wait",
  ];
  for (const name of calls) {
    assert.ok(lines.includes(`${name} left with Interrupted`), text);
  }
  assert.ok(
    lines.includes(
      "after: condition queue empty=true lock free=true barrier waiting=0 broken=false",
    ),
    text,
  );
  assert.equal(latencies.length, calls.length + 1, text);
  // The listeners run within a few ms of the signal (slices of 4 ms); the limit is
  // generous for a loaded machine.
  for (const ms of latencies) assert.ok(ms < 1000, `latency ${ms} ms: ${latencies}`);
  console.log(`signal to listener: ${latencies.join(", ")} ms`);
});

Deno.test("the two-lock cycle is reported within 2 s: threads, locks, lines, the cycle; main gets DeadlockError", async () => {
  const { code, stdout, stderr } = await run("deadlock_two_locks.ts");
  assert.equal(code, 0, stderr);
  const main = /^main: DeadlockError true after (\d+) ms$/m.exec(stdout);
  assert.ok(main, stdout + stderr);
  // From the joins' start: the threads' 50 ms sleeps, then the detector's snapshots.
  assert.ok(Number(main[1]) < 2000, main[0]);
  assert.match(stderr, /^Deadlock: every thread is blocked/m);
  assert.match(
    stderr,
    /^Wait-for cycle: (Thread-1 \(left\)|Thread-2 \(right\)) waits for Lock #\d+ held by (Thread-2 \(right\)|Thread-1 \(left\)) \(ident \d\) → \2 waits for Lock #\d+ held by \1 \(ident \d\) → \1$/m,
  );
  assert.match(
    stderr,
    /MainThread \(ident 1\): waits with no timeout for the end of Thread-1/,
  );
  assert.match(
    stderr,
    /Thread-1 \(left\) \(ident \d, daemon\): waits with no timeout for Lock #\d+/,
  );
  assert.match(stderr, /holds Lock #\d+/);
  // Where each thread waits: the lines marked in the fixture.
  const source = await Deno.readTextFile(new URL("deadlock_two_locks.ts", fixtures));
  const lineOf = (mark: string) =>
    source.split("\n").findIndex((l) => l.includes(`// ${mark} waits here`)) + 1;
  for (const [fn, mark] of [["left ", "left"], ["right ", "right"], ["", "main"]]) {
    const at = `${fn}${fn ? "\\(" : ""}file:[^\\n]*deadlock_two_locks\\.ts:${
      lineOf(mark)
    }:`;
    assert.match(stderr, new RegExp(`at ${at}`), `${mark}: ${stderr}`);
  }
});

Deno.test("lock ids are stable from run to run: numbered at creation, by kind, by the creating thread", async () => {
  for (let i = 0; i < 3; i++) {
    const { stderr } = await run("deadlock_two_locks.ts");
    // a, then b, created by the main thread: Lock #1 and Lock #2, whoever sleeps first.
    assert.match(
      stderr,
      /^Wait-for cycle: (Thread-1 \(left\) waits for Lock #2 held by Thread-2 \(right\) \(ident 3\) → Thread-2 \(right\) waits for Lock #1 held by Thread-1 \(left\) \(ident 2\) → Thread-1 \(left\)|Thread-2 \(right\) waits for Lock #1 held by Thread-1 \(left\) \(ident 2\) → Thread-1 \(left\) waits for Lock #2 held by Thread-2 \(right\) \(ident 3\) → Thread-2 \(right\))$/m,
      stderr,
    );
  }
});

Deno.test("THREADING_DEADLOCK=0 turns the deadlock report off", async () => {
  const { stdout, stderr, signal } = await run(
    "deadlock_two_locks.ts",
    { THREADING_DEADLOCK: "0" },
    3000,
    ["--allow-env=THREADING_DEADLOCK"],
  );
  assert.equal(signal, "SIGKILL", "it hangs, as asked");
  assert.ok(!stderr.includes("Deadlock"), stderr);
  assert.ok(!stdout.includes("DeadlockError"), stdout);
  // After the main thread's code has finished too.
  const after = await run(
    "deadlock_after_main.ts",
    { THREADING_DEADLOCK: "0" },
    3000,
    ["--allow-env=THREADING_DEADLOCK"],
    ["event"],
  );
  assert.equal(after.signal, "SIGKILL", "it hangs, as asked");
  assert.ok(!after.stderr.includes("Deadlock"), after.stderr);
});

Deno.test("no deadlock report where nothing is stuck: sleep, async waits, a Timer, starting threads", async () => {
  const { code, stdout, stderr } = await run("no_false_deadlock.ts");
  assert.equal(code, 0, stderr);
  assert.ok(!stderr.includes("Deadlock"), stderr);
  for (const name of ["sleeper", "async waiter", "timer", "many"]) {
    assert.ok(stdout.includes(`${name}: ok`), stdout);
  }
});

Deno.test("dumpThreads() from a thread while others are blocked; a dead Lock holder is named, and marked dead", async () => {
  const { code, stdout, stderr } = await run("dump_while_blocked.ts");
  assert.equal(code, 0, stderr);
  const dump = stderr.slice(stderr.indexOf("Threads:"), stderr.indexOf("Deadlock:"));
  assert.match(
    dump,
    /MainThread \(ident 1\): waits with no timeout for the end of dumper \(ident 2\) \(join\), for \d+\.\d\d s/,
  );
  assert.match(dump, /dumper \(ident 2\): running/);
  assert.match(dump, /holds RLock #\d+/);
  assert.match(
    dump,
    /waiter \(ident 3\): waits with no timeout for RLock #\d+ held by dumper \(ident 2\)/,
  );
  assert.match(dump, /at waiter \(file:.*dump_while_blocked\.ts:8:\d+\)/);
  // The main thread alone waits for a Lock whose last acquirer ended.
  assert.match(
    stderr,
    /MainThread \(ident 1\): waits with no timeout for Lock #\d+ held by taker \(ident \d+, dead\)/,
  );
  assert.ok(stdout.includes("main: DeadlockError"), stdout);
});

Deno.test("THREADING_DEBUG=1 adds where each lock was created to the report", async () => {
  const { code, stderr } = await run(
    "deadlock_two_locks.ts",
    { THREADING_DEBUG: "1" },
    60_000,
    ["--allow-env=THREADING_DEBUG"],
  );
  assert.equal(code, 0, stderr);
  const source = await Deno.readTextFile(new URL("deadlock_two_locks.ts", fixtures));
  const line =
    source.split("\n").findIndex((l) => l.includes("new Lock(), b = new Lock()")) + 1;
  const created = [
    ...stderr.matchAll(
      /Lock #\d+ \(created at file:[^)]*deadlock_two_locks\.ts:(\d+):(\d+)\)/g,
    ),
  ];
  assert.ok(created.length >= 2, stderr);
  assert.ok(created.every((m) => Number(m[1]) === line), stderr);
  assert.equal(new Set(created.map((m) => m[2])).size, 2, "a and b, two columns");
  // a is Lock #1, b is Lock #2, each with its own column (the Barrier created on the
  // same line has its own numbering and entry).
  const text = source.split("\n")[line - 1];
  const colA = text.indexOf("new Lock()") + 1;
  const colB = text.indexOf("new Lock()", colA) + 1;
  assert.match(stderr, new RegExp(`Lock #1 \\(created at file:[^)]*:${line}:${colA}\\)`));
  assert.match(stderr, new RegExp(`Lock #2 \\(created at file:[^)]*:${line}:${colB}\\)`));
});

Deno.test("watchDeadlocks() reports a partial deadlock while the main thread runs", async () => {
  const { code, stdout, stderr } = await run("partial_deadlock.ts");
  assert.equal(code, 0, stderr);
  assert.ok(stdout.includes("main: done"), stdout);
  assert.match(
    stderr,
    /^Partial deadlock: these threads have waited for each other for over 300 ms\.$/m,
  );
  assert.match(
    stderr,
    /^Wait-for cycle: Thread-\d \((?:left|right)\) waits for Lock #\d+ held by Thread-\d \((?:left|right)\)/m,
  );
  assert.match(stderr, /MainThread \(ident 1\): running/);
  assert.ok(!stderr.includes("Deadlock:"), "no global report: the main thread runs");
  assert.equal(stderr.match(/Partial deadlock/g)?.length, 1, "reported once");
});

Deno.test("a deadlock that closes after the main thread's code has finished is reported; the process exits with status 2", async () => {
  const source = await Deno.readTextFile(new URL("deadlock_after_main.ts", fixtures));
  const lineOf = (mark: string) =>
    source.split("\n").findIndex((l) => l.includes(`// ${mark} waits here`)) + 1;
  for (const mode of ["nojoin", "timedjoin", "daemon-cycle"]) {
    const { code, stdout, stderr } = await run(
      "deadlock_after_main.ts",
      {},
      60_000,
      [],
      [mode],
    );
    assert.equal(code, 2, `${mode}: ${stdout}${stderr}`);
    assert.ok(stdout.includes(`main: done (${mode})`), stdout);
    assert.match(
      stderr,
      /^Deadlock: the main thread's code has finished and every other thread is blocked/m,
    );
    assert.match(stderr, /MainThread \(ident 1\): its code has finished/);
    assert.match(
      stderr,
      /^Wait-for cycle: (Thread-1 \(left\)|Thread-2 \(right\)) waits for Lock #\d+ held by (Thread-2 \(right\)|Thread-1 \(left\)) \(ident \d\) → \2 waits for Lock #\d+ held by \1 \(ident \d\) → \1$/m,
    );
    for (const mark of ["left", "right"]) {
      assert.match(
        stderr,
        new RegExp(`at ${mark} \\(file:[^\\n]*deadlock_after_main\\.ts:${lineOf(mark)}:`),
        `${mode} ${mark}: ${stderr}`,
      );
    }
    assert.match(stderr, /The process exits with status 2\./);
    if (mode === "daemon-cycle") assert.match(stderr, /\(ident \d, daemon\): waits/);
  }
  // A deadlock of one: a thread waits for an Event that nobody is left to set.
  const { code, stderr } = await run("deadlock_after_main.ts", {}, 60_000, [], ["event"]);
  assert.equal(code, 2, stderr);
  assert.match(
    stderr,
    /Thread-1 \(waiter\) \(ident 2\): waits with no timeout for Event #\d+, for \d+\.\d\d s/,
  );
  assert.match(stderr, new RegExp(`at waiter \\(file:[^\\n]*:${lineOf("waiter")}:`));
  // Ids are stamped at creation: the main thread's first Event is #1, the first Event
  // that thread ident 2 created is #2.1.
  assert.match(stderr, /waits with no timeout for Event #1,/);
  const made = await run("deadlock_after_main.ts", {}, 60_000, [], ["thread-made"]);
  assert.equal(made.code, 2, made.stderr);
  assert.match(
    made.stderr,
    /Thread-1 \(maker\) \(ident 2\): waits with no timeout for Event #2\.1,/,
  );
});

Deno.test("no report after the main thread's code has finished where nothing is stuck: only daemons blocked, a setter outside the library or asleep", async () => {
  for (const mode of ["only-daemons", "outside", "sleepy"]) {
    const { code, stdout, stderr } = await run(
      "deadlock_after_main.ts",
      {},
      60_000,
      [],
      [mode],
    );
    assert.equal(code, 0, `${mode}: ${stdout}${stderr}`);
    assert.ok(!stderr.includes("Deadlock"), `${mode}: ${stderr}`);
    if (mode !== "only-daemons") assert.ok(stdout.includes("waiter: set"), stdout);
  }
});

Deno.test("queue waits are recorded: a consumer with no sentinel, a producer on a full queue, Queue.join() are reported as deadlocks", async () => {
  const source = await Deno.readTextFile(new URL("queue_deadlock.ts", fixtures));
  const lineOf = (mark: string) =>
    source.split("\n").findIndex((l) => l.includes(`// ${mark} waits here`)) + 1;
  const cases: [string, RegExp, string][] = [
    [
      "get",
      /Thread-1 \(consumer\) \(ident 2\): waits with no timeout for Queue #\d+ \(get: empty\)/,
      "consumer",
    ],
    [
      "put",
      /Thread-1 \(producer\) \(ident 2\): waits with no timeout for Queue #\d+ \(put: full\)/,
      "producer",
    ],
    [
      "join",
      /MainThread \(ident 1\): waits with no timeout for Queue #\d+ \(join: tasks not done\)/,
      "consumer",
    ],
  ];
  for (const [mode, waits, mark] of cases) {
    const { code, stdout, stderr } = await run("queue_deadlock.ts", {}, 60_000, [], [
      mode,
    ]);
    // The main thread catches DeadlockError and ends; the stuck thread still holds the
    // process: the short second report, and status 2.
    assert.equal(code, 2, `${mode}: ${stdout}${stderr}`);
    assert.match(
      stderr,
      /^Deadlock: the main thread's code has finished; the threads of the deadlock reported above are still blocked\. The process exits with status 2\.$/m,
    );
    assert.match(
      stdout,
      /^main: DeadlockError true after \d+ ms$/m,
      `${mode}: ${stdout}${stderr}`,
    );
    assert.match(stderr, /^Deadlock: every thread is blocked/m);
    assert.match(stderr, waits, `${mode}: ${stderr}`);
    assert.match(
      stderr,
      new RegExp(`at ${mark} \\(file:[^\\n]*queue_deadlock\\.ts:${lineOf(mark)}:`),
      `${mode}: ${stderr}`,
    );
  }
  // THREADING_DEBUG=1: where the queue was created.
  const debug = await run(
    "queue_deadlock.ts",
    { THREADING_DEBUG: "1" },
    60_000,
    ["--allow-env=THREADING_DEBUG"],
    ["get"],
  );
  const created =
    source.split("\n").findIndex((l) => l.includes("new Queue<number>();")) + 1;
  assert.match(
    debug.stderr,
    new RegExp(
      `Queue #1 \\(created at file:[^)]*queue_deadlock\\.ts:${created}:\\d+\\) \\(get: empty\\)`,
    ),
    debug.stderr,
  );
  // The same consumer after the main thread's code has finished.
  const { code, stderr } = await run("queue_deadlock.ts", {}, 60_000, [], ["after-main"]);
  assert.equal(code, 2, stderr);
  assert.match(
    stderr,
    /Thread-1 \(consumer\) \(ident 2\): waits with no timeout for Queue #\d+ \(get: empty\)/,
  );
});

Deno.test("dumpThreads() shows a queue wait; a slow producer is not a deadlock", async () => {
  const dump = await run("queue_deadlock.ts", {}, 60_000, [], ["dump"]);
  assert.equal(dump.code, 0, dump.stderr);
  assert.ok(dump.stdout.includes("main: joined"), dump.stdout);
  assert.match(
    dump.stderr,
    /Thread-1 \(consumeUntilSentinel\) \(ident 2\): waits with no timeout for Queue #\d+ \(get: empty\), for \d+\.\d\d s/,
  );
  assert.match(dump.stderr, /MainThread \(ident 1\): running/);
  const slow = await run("queue_deadlock.ts", {}, 60_000, [], ["slow"]);
  assert.equal(slow.code, 0, slow.stderr);
  assert.ok(slow.stdout.includes("main: joined"), slow.stdout);
  assert.ok(!slow.stderr.includes("Deadlock"), slow.stderr);
});
