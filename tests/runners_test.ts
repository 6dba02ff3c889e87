// Copyright the threading for Deno authors. MIT license.
// The library under Deno's other runners, in real subprocesses: `deno test`,
// `deno bench`, `deno run --watch`, and Ctrl-C. A test or bench module's
// import.meta.main is false, so the advice of the library's errors must be one that
// works there.
import assert from "node:assert/strict";
import { runDeno, runDenoLines } from "./_subprocess.ts";

const runners = new URL("./fixtures/runners/", import.meta.url);
const fixture = (name: string) => new URL(name, runners).pathname;

Deno.test("deno bench: a top-level start is refused with advice that works in a bench module, and following it works with no warning", async () => {
  const bad = await runDeno(
    ["bench", "--no-lock", "--allow-read", fixture("unguarded.bench.ts")],
    { timeoutMs: 60_000 },
  );
  assert.notEqual(bad.code, 0);
  const out = bad.stdout + bad.stderr;
  // Before: only "Guard the program's main code with `if (import.meta.main)`", which is
  // false in a bench module: following it never started the thread (a DeadlockError).
  assert.match(
    out,
    /ThreadError: Cannot start thread "Thread-1 \(echo\)": .*in a test or bench module \(deno test, deno bench\) import\.meta\.main is false, so that guard never runs: there, start threads inside the test or bench function, or guard with `if \(currentThread\(\) === mainThread\(\)\) \{ … \}`/,
  );
  const good = await runDeno(
    ["bench", "--no-lock", "--allow-read", fixture("guarded.bench.ts")],
    { timeoutMs: 120_000 },
  );
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /queue ping-pong/);
  // Before: "RuntimeWarning: a Lock was created at the top level of this module …" for
  // a Lock that only the main thread's benches use.
  assert.doesNotMatch(good.stdout + good.stderr, /RuntimeWarning|Error/);
});

Deno.test("deno test: threads started in the test or under currentThread() === mainThread() run, with no warning", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["test", "--no-lock", "--allow-read", fixture("guarded_tests.ts")],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /squares 1 4 9/);
  assert.match(stdout, /ok \| 2 passed \| 0 failed/);
  assert.doesNotMatch(stdout + stderr, /RuntimeWarning/);
});

/** The program that the watch test edits: `version` in its output and its threads. */
function watchedProgram(version: number, nonDaemon: boolean): string {
  const library = new URL("../mod.ts", import.meta.url).href;
  return `import { sleep, Thread } from ${JSON.stringify(library)};
export function tick(kind: string): void {
  for (let i = 0; ; i++) {
    console.log(\`v${version} \${kind} tick \${i}\`);
    sleep(100);
  }
}
if (import.meta.main) {
  new Thread({ target: tick, args: ["daemon"], daemon: true }).start();
  ${nonDaemon ? `new Thread({ target: tick, args: ["non-daemon"] }).start();` : ""}
  console.log("main v${version} started");
  ${nonDaemon ? "" : "await new Promise((resolve) => setTimeout(resolve, 300));"}
}
`;
}

Deno.test("deno run --watch: a restart ends every thread of the previous run, and a finished run's daemon threads end", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_watch_" });
  const program = `${dir}/watched.ts`;
  try {
    // Run 1 never finishes (a non-daemon thread ticks); run 2's main returns at once.
    await Deno.writeTextFile(program, watchedProgram(1, true));
    const seen: Array<{ line: string; at: number }> = [];
    let restartedAt = 0;
    let edited = false;
    const { stderr } = await runDenoLines(
      ["run", "--watch", "--no-lock", "--allow-read", program],
      async (line, child) => {
        seen.push({ line, at: performance.now() });
        if (!edited && /^v1 non-daemon tick 3$/.test(line)) {
          edited = true;
          await Deno.writeTextFile(program, watchedProgram(2, false));
        }
        if (line === "main v2 started") {
          restartedAt = performance.now();
          // Generous (load): a Worker ends within END_CHECK_MS (500 ms) of the end.
          setTimeout(() => child.kill("SIGTERM"), 8000);
        }
      },
      120_000,
    );
    assert.ok(
      restartedAt > 0,
      `no restart\n${seen.map((s) => s.line).join("\n")}\n${stderr}`,
    );
    const text = (after: number, pattern: RegExp) =>
      seen.filter((s) => s.at > restartedAt + after && pattern.test(s.line)).map((s) =>
        s.line
      );
    assert.ok(seen.some((s) => /^v2 daemon tick/.test(s.line)), stderr);
    // Before: the v1 threads went on ticking next to v2's, and v2's daemon after its
    // run had finished ("Watcher Process finished"), one more Worker each restart.
    assert.deepEqual(text(3500, /^v1 /), [], "v1's threads outlived the restart");
    assert.deepEqual(text(5500, /^v2 /), [], "v2's daemon outlived its finished run");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno test: a non-daemon thread still alive after its test fails that test, named with where it waits; daemon threads and threads that end soon do not", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["test", "--no-lock", "--allow-read", fixture("leaks_tests.ts")],
    { timeoutMs: 120_000 },
  );
  const out = stdout + stderr;
  // Before: `ok | 5 passed | 0 failed`, exit 0, the thread killed silently at the end.
  assert.equal(code, 1, out);
  assert.match(out, /joined thread throws \.\.\. ok/);
  assert.match(out, /daemon left running \.\.\. ok/);
  assert.match(out, /non-daemon that ends soon after the test \.\.\. ok/);
  assert.match(out, /non-daemon left blocked on event \.\.\. FAILED/);
  assert.match(out, /last test \.\.\. ok/);
  assert.match(
    out,
    /ThreadError: the test left non-daemon threads running \(still alive 2 s after it ended\):\n {2}leaked-waiter \(ident \d+\): waits with no timeout for Event #\d+, for [\d.]+ s\n {6}at waitForever \(.*leaks_tests\.ts:13:5\)\njoin\(\) them before the test ends/,
  );
  // At the end of the run, the threads it kills are listed.
  assert.match(
    out,
    /threading: the test run ends with non-daemon threads alive, which it kills \(their output and errors are lost\):\n {2}leaked-waiter/,
  );
  assert.match(out, /FAILED \| 4 passed \| 1 failed/);
});

/** Runs `ctrl_c.ts` in `mode`, and sends SIGINT once the main thread blocks in join(). */
function ctrlC(mode: string) {
  return runDenoLines(
    ["run", "--no-lock", "--allow-read", fixture("ctrl_c.ts"), mode],
    async (line, child) => {
      if (line === "main: joining") {
        // After the library's signal Worker listens (tens of ms after the listener).
        await new Promise((resolve) => setTimeout(resolve, 1000));
        child.kill("SIGINT");
      }
    },
    60_000,
  );
}

/** Whether this process ignores SIGINT (a shell's background job): its child would too. */
function sigintIgnored(): boolean {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & 2n) !== 0n;
  } catch {
    return false;
  }
}

Deno.test("Ctrl-C in a blocked join(): without a listener the process dies at once (exit 130, no finally); a listener that throws gives Python's behaviour", async () => {
  if (!sigintIgnored()) {
    const plain = await ctrlC("default");
    assert.equal(plain.status.code, 130, plain.stderr);
    assert.deepEqual(plain.lines, ["main: joining"]);
    assert.equal(plain.stderr, "");
  }
  const thrown = await ctrlC("throw");
  assert.equal(thrown.status.code, 1, thrown.stderr);
  assert.deepEqual(thrown.lines, ["main: joining", "main: finally"]);
  assert.match(thrown.stderr, /error: Uncaught \(in promise\) KeyboardInterrupt/);
  const python = await ctrlC("python");
  assert.equal(python.status.code, 130, python.stderr);
  // As CPython: main's finally, the traceback, then the non-daemon thread is waited for.
  assert.deepEqual(python.lines, ["main: joining", "main: finally", "thread: finally"]);
  assert.match(python.stderr, /^KeyboardInterrupt\n\s+at .*ctrl_c\.ts/);
});
