// Copyright the threading for Deno authors. MIT license.
// What a thread may do to its process and to the next thread of its Worker, in real
// subprocesses and real Workers: signals, globals, the main thread's end, exit codes.
import assert from "node:assert/strict";
import { runDeno, runDenoLines } from "./_subprocess.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

Deno.test("a thread cannot listen to signals: ThreadError at once, and the signal keeps its default action for the program", async () => {
  let sentAt = 0;
  const { lines, stderr, status } = await runDenoLines(
    ["run", "--no-lock", "--allow-read", new URL("thread_signals.ts", fixtures).pathname],
    async (line, child) => {
      if (line === "main sleeps") {
        // SIGTERM, not SIGINT: a background job of a shell inherits SIGINT ignored.
        await new Promise((resolve) => setTimeout(resolve, 300));
        sentAt = performance.now();
        child.kill("SIGTERM");
      }
    },
  );
  const ms = performance.now() - sentAt;
  const text = `${lines.join("\n")}\n${stderr}`;
  // Before: every call was accepted, the listeners never ran, and the SIGTERM was
  // swallowed: "main end: the signal was ignored" after 20 s, code 0.
  assert.equal(status.signal, "SIGTERM", text);
  assert.ok(!lines.includes("main end: the signal was ignored"), text);
  assert.ok(!lines.includes("a thread's listener ran"), text);
  assert.ok(ms < 10_000, `${ms} ms`);
  for (
    const call of [
      "Deno.addSignalListener SIGINT",
      "Deno.addSignalListener SIGTERM",
      "process.on SIGINT",
      "process.once SIGTERM",
      "process.addListener SIGTERM",
      "process.prependListener SIGTERM",
    ]
  ) {
    const line = lines.find((l) => l.startsWith(`${call}:`));
    assert.match(
      line ?? "",
      /: ThreadError: Cannot listen to SIG(INT|TERM) in thread "listener" \(.*\): signals are delivered to the main thread only, as in Python \("signal only works in main thread of the main interpreter"\)\. Add the listener in the main thread/,
      text,
    );
  }
  assert.ok(lines.includes("Deno.removeSignalListener: accepted"), text);
  assert.ok(lines.includes("process.on exit: accepted"), text);
});

Deno.test("mainThread().join() in a thread returns at once when the main thread's code ends (not a second later)", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", new URL("join_main_fast.ts", fixtures).pathname],
    { timeoutMs: 30_000 },
  );
  assert.equal(code, 0, stderr);
  const ms = Number(/join returned (-?\d+) ms after main's end/.exec(stdout)?.[1]);
  // Before: 1,050–1,150 ms (the join waited a full second for the main thread's slot,
  // which is never freed). CPython: 1 ms. Generous for a loaded machine.
  assert.ok(ms < 600, stdout);
});

Deno.test("a reused Worker gives the next thread the global state as the thread's modules left it: globals, console, listeners undone; module state kept", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", new URL("reuse_globals.ts", fixtures).pathname],
    { timeoutMs: 30_000 },
  );
  assert.equal(code, 0, stderr);
  const line = stdout.split("\n").find((l) => l.includes("{"))!;
  // Before: [patched by first] {"leftover":"from first","setAtImport":"changed by
  // first","setTimeout":true,"fetch":"","queueMicrotask":"undefined",
  // "processListeners":1,...}, and first's listeners caught second's rejection.
  assert.ok(line.startsWith("{"), stdout);
  const seen = JSON.parse(line);
  // Both threads ran on one Worker (the module's `let` counted both: module state).
  assert.equal(seen.calls, 2, "the two threads did not share a Worker");
  delete seen.native;
  assert.deepEqual(seen, {
    leftover: null,
    setAtImport: "set at import",
    error: false,
    setTimeout: false,
    fetch: "fetch",
    queueMicrotask: "function",
    onunhandledrejection: null,
    processListeners: 0,
    calls: 2,
  });
  assert.doesNotMatch(stdout, /first's .* (caught|ran)/);
  assert.match(stderr, /Exception in thread second:\nError: second's rejection/);
});

Deno.test("a thread's start while the main thread is blocked in synchronous I/O: a warning after 5 s, an error that names the causes, and the start once main returns", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("start_while_main_reads.ts", fixtures).pathname,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const stdout = new Response(child.stdout).text();
  let stderr = "";
  const t0 = performance.now();
  let warnedAt = 0;
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    stderr += chunk;
    if (warnedAt === 0 && stderr.includes("RuntimeWarning")) {
      warnedAt = performance.now() - t0;
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("hello\n"));
      await writer.close();
    }
  }
  const status = await child.status;
  clearTimeout(killer);
  const out = await stdout;
  // Before: no warning (the test waited for it until killed), and the error blamed "a
  // loop that never waits" only.
  assert.ok(warnedAt > 0, `no warning\n${out}\n${stderr}`);
  assert.equal(status.code, 0, `${out}\n${stderr}`);
  assert.match(
    stderr,
    /RuntimeWarning: starting thread "late" has waited 5 s for the main thread, which has not served the start: the main thread is blocked outside this library: in synchronous I\/O \(Deno\.stdin\.readSync\(\), prompt\(\), a sync FFI call\), in a synchronous subprocess \(new Deno\.Command\(\.\.\.\)\.outputSync\(\)\), or in a loop that never waits/,
  );
  assert.match(
    out,
    /early start: ThreadError: Cannot start thread "early": its Worker did not report within 2 s: the main thread never served the request to start it: the main thread is blocked outside this library: in synchronous I\/O .* On the main thread use the async forms/,
  );
  assert.match(out, /main read 6 bytes\n(.*\n)*child ran\n(.*\n)*parent done/);
});

/** Whether util-linux's `script` (a pseudo-terminal) is there. */
const hasScript = (() => {
  try {
    return new Deno.Command("script", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "prompt() works in a thread as on Deno's main thread: a line, the default for an empty one, null at the end of input",
  ignore: !hasScript,
  fn: async () => {
    const command = [
      Deno.execPath(),
      "run",
      "--no-lock",
      "--allow-read",
      new URL("thread_prompt.ts", fixtures).pathname,
    ].map((a) => `'${a}'`).join(" ");
    const child = new Deno.Command("script", {
      args: ["-qc", command, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const writer = child.stdin.getWriter();
    const encoder = new TextEncoder();
    let text = "";
    const decoder = new TextDecoder();
    // Each answer goes once its question is out (a terminal reads a line per read).
    const answers = [["name? ", "bob\n"], ["color? ", "\n"], ["more? ", "\x04"]];
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      while (answers.length > 0 && text.includes(answers[0][0])) {
        await writer.write(encoder.encode(answers.shift()![1]));
      }
      if (text.includes("joined")) break;
    }
    await writer.close().catch(() => {});
    await child.status;
    clearTimeout(killer);
    // Before: ReferenceError: prompt is not defined.
    assert.match(text, /thread got: \["bob","blue"\]/, text);
    assert.match(text, /then: null/, text);
    assert.match(text, /joined/, text);
  },
});

Deno.test("prompt() in a thread returns null when stdin is not a terminal, as Deno's main-thread prompt()", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", new URL("thread_prompt.ts", fixtures).pathname],
    { timeoutMs: 30_000, stdin: "null" },
  );
  assert.equal(code, 0, stderr);
  assert.match(stdout, /thread got: \[null,null\]\njoined/);
});

Deno.test("Deno.exitCode = n on the main thread waits for non-daemon threads, then exits with n (sys.exit); Deno.exit(n) does not (os._exit)", async () => {
  const file = new URL("exit_code_waits.ts", fixtures).pathname;
  const waits = await runDeno(["run", "--no-lock", "--allow-read", file], {
    timeoutMs: 30_000,
  });
  assert.equal(waits.code, 3, waits.stderr);
  assert.deepEqual(waits.stdout.trim().split("\n"), [
    "thread start",
    "main sets Deno.exitCode = 3",
    "thread end",
  ]);
  const exits = await runDeno(["run", "--no-lock", "--allow-read", file, "exit"], {
    timeoutMs: 30_000,
  });
  assert.equal(exits.code, 3, exits.stderr);
  assert.deepEqual(exits.stdout.trim().split("\n"), [
    "thread start",
    "main calls Deno.exit(3)",
  ]);
});

Deno.test("a primitive made at the top level of a module a thread's Worker evaluates, then used by a thread, is warned, once per process; legitimate code and an unused copy are not", async () => {
  const bad = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("module_primitive.ts", fixtures).pathname,
    ],
    { timeoutMs: 30_000 },
  );
  assert.equal(bad.code, 0, bad.stderr);
  assert.match(bad.stdout, /counter 0/);
  // Before: nothing on stderr, a silent wrong answer.
  const warnings = bad.stderr.match(/RuntimeWarning/g) ?? [];
  assert.equal(warnings.length, 1, bad.stderr);
  assert.match(
    bad.stderr,
    /module_primitive\.ts: RuntimeWarning: a Lock was created at the top level of this module while a Worker evaluated it for thread "Thread-\d \(worker\)", and a thread used it: each thread's Worker evaluates its own copy of the module, so this Lock is a new one, not shared with the main program or the other threads .* Create it in the main program and pass it to each thread in args: under `if \(import\.meta\.main\)`, or, in a test or bench module \(where import\.meta\.main is false\), inside the test or bench function or under `if \(currentThread\(\) === mainThread\(\)\)`/,
  );
  const ok = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("module_primitive_ok.ts", fixtures).pathname,
    ],
    { timeoutMs: 30_000 },
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /counter 3/);
  assert.equal(ok.stderr, ""); // A top-level Lock that only the main thread uses: each Worker's copy stays unused.
  // Before: the same warning, which claimed a wrong answer.
  const mainOnly = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("module_primitive_main_only.ts", fixtures).pathname,
    ],
    { timeoutMs: 30_000 },
  );
  assert.equal(mainOnly.code, 0, mainOnly.stderr);
  assert.match(mainOnly.stdout, /results 14/);
  assert.equal(mainOnly.stderr, "");
});

Deno.test("a signal listener in unguarded top-level code fails the thread's start with how to fix it", async () => {
  const { code, stdout, stderr } = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("signal_at_top_level.ts", fixtures).pathname,
    ],
    { timeoutMs: 30_000 },
  );
  assert.equal(code, 0, stderr);
  // Before: the thread started, and its Worker's listener took SIGINT from the program.
  assert.match(
    stdout,
    /ThreadError: Cannot start thread "Thread-1 \(work\)": the module .*signal_at_top_level\.ts failed to load in the new thread: Cannot listen to SIGINT in thread "Thread-1 \(work\)" \(Deno\.addSignalListener\): signals are delivered to the main thread only.*; this call is in the top-level code of .*signal_at_top_level\.ts, which each thread's Worker evaluates again: guard it with `if \(import\.meta\.main\) \{ … \}`.* there, start threads inside the test or bench function, or guard with `if \(currentThread\(\) === mainThread\(\)\) \{ … \}`/,
  );
  assert.doesNotMatch(stdout, /work ran/);
});

Deno.test("what a thread leaves running ends with it: an AbortSignal.timeout, an open console.group, a server, a listener", async () => {
  const { code, stdout, stderr } = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      "--allow-net=127.0.0.1",
      new URL("left_resources.ts", fixtures).pathname,
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, stderr);
  // Before: "  second: not indented", "  first's AbortSignal.timeout fired in second",
  // "  second: server still accepts", "  second: listener still accepts".
  assert.deepEqual(stdout.trimEnd().split("\n"), [
    "first's group",
    "second: not indented",
    "second: server closed",
    "second: listener closed",
    "main done",
  ], stderr);
});

for (const form of ["bundle", "modules"]) {
  Deno.test(`a server and a listener a thread leaves open are closed when join() returns, in-flight requests answered first (${form})`, async () => {
    const { code, stdout, stderr } = await runDeno(
      [
        "run",
        "--no-lock",
        "--allow-read",
        "--allow-net=127.0.0.1",
        new URL("ended_servers.ts", fixtures).pathname,
        form,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(code, 0, stderr);
    // Before: every port still "accepted" (the idle Worker's loop never turned, so the
    // closed sockets were never freed: a request hung for ever), and the in-flight
    // request was cut ("false").
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "round 1: server refused",
      "round 1: listener refused",
      "round 2: server refused",
      "round 2: listener refused",
      "in-flight request answered before join returned: true",
    ], stderr);
  });
}
