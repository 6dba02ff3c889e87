// Copyright the threading for Deno authors. MIT license.
/**
 * The portable tests: what must hold on Deno, Node and Bun alike, run by a runner of
 * their own (no `Deno.test`), so that each runtime runs the file unchanged:
 *
 * ```sh
 * deno run --allow-read --allow-run --allow-env tests/portable/run.ts
 * node tests/portable/run.ts
 * bun tests/portable/run.ts
 * ```
 *
 * Each case prints `ok <name>` or `FAILED <name>` with why; the last line is
 * `N passed, N failed` (what `.ci/run` adds up); the exit code is 1 if a case failed.
 * Node and Bun need `@logtape/logtape` in a `node_modules` above the project.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import {
  activeCount,
  Barrier,
  Condition,
  currentThread,
  enumerate,
  Event,
  Lock,
  mainThread,
  Queue,
  RLock,
  Semaphore,
  setExcepthook,
  SharedInt32,
  shutdown,
  Thread,
  ThreadError,
} from "../../mod.ts";

// ---- Thread targets (exported: a thread imports them by name). ----

/** Adds 1 to `cell` `n` times, holding `lock` for each. */
export function addUnderLock(lock: Lock, cell: SharedInt32, n: number): void {
  for (let i = 0; i < n; i++) {
    lock.acquire();
    try {
      cell.value = cell.value + 1;
    } finally {
      lock.release();
    }
  }
}

/** Puts its name on `out` once `go` is set. */
export function waitThenReport(go: Event, out: Queue<string>): void {
  go.wait();
  out.put(currentThread().name);
}

/** Waits at the barrier, then reports the index it got. */
export function atBarrier(barrier: Barrier, out: Queue<number>): void {
  out.put(barrier.wait());
}

/**
 * Tries to change a received Map, Set and Date (frozen copies: each change throws) and
 * a queue item's (the getter's own), and reports what happened and what it read.
 */
export function changeCopies(
  map: Map<string, number>,
  set: Set<number>,
  date: Date,
  inbox: Queue<Map<string, number>>,
  out: Queue<string[]>,
): void {
  const seen: string[] = [];
  for (
    const [name, change] of [
      ["map.set", () => map.set("b", 2)],
      ["map.delete", () => map.delete("a")],
      ["map.clear", () => map.clear()],
      ["set.add", () => set.add(2)],
      ["set.delete", () => set.delete(1)],
      ["date.setTime", () => date.setTime(5)],
      ["date.setFullYear", () => date.setFullYear(1999)],
    ] as const
  ) {
    try {
      change();
      seen.push(`${name}: changed`);
    } catch (error) {
      seen.push(
        `${name}: ${(error as Error).name} ${
          /frozen copy/.test((error as Error).message)
        }`,
      );
    }
  }
  const item = inbox.get();
  item.set("b", 2);
  seen.push(
    `read: ${map instanceof Map} ${map.get("a")} ${[
      ...set,
    ]} ${date.getTime()} ${item.size}`,
  );
  out.put(seen);
}

/** Waits on the condition until `ready` is 1, then counts itself in `done`. */
export function consume(cond: Condition, ready: SharedInt32, done: SharedInt32): void {
  cond.with(() => {
    cond.waitFor(() => ready.value === 1);
    done.add(1);
  });
}

/** Counts the threads inside the semaphore at once; records the most. */
export function inside(sem: Semaphore, now: SharedInt32, most: SharedInt32): void {
  sem.with(() => {
    const n = now.add(1) + 1;
    for (;;) {
      const m = most.value;
      if (n <= m || most.compareExchange(m, n) === m) break;
    }
    const until = performance.now() + 20;
    while (performance.now() < until) { /* hold the semaphore a while */ }
    now.add(-1);
  });
}

/** Does nothing: a thread whose module fails to load never gets here. */
export function nothing(): void {}

/** Declared without export: no other thread can import it. */
function hiddenHook(): void {}

// ---- The runner. ----

type Case = [name: string, fn: () => void | Promise<void>];

const HERE = new URL(".", import.meta.url);
// deno-lint-ignore no-explicit-any
const deno = (globalThis as any).Deno;

/** Runs a program of this folder with the runtime that runs this file. */
function runProgram(
  file: string,
  env: Record<string, string> = {},
  ...rest: string[]
): { code: number | null; stdout: string; stderr: string; ms: number } {
  const path = new URL(file, HERE).pathname;
  const args = deno !== undefined
    ? ["run", "--allow-read", "--allow-env", path, ...rest]
    : [path, ...rest];
  const t0 = performance.now();
  const result = spawnSync(process.execPath, args, {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: performance.now() - t0,
  };
}

const cases: Case[] = [
  [
    "a thread's Map, Set and Date arguments are frozen copies; a queue item's Map is its own",
    async () => {
      const inbox = new Queue<Map<string, number>>();
      inbox.put(new Map([["a", 1]]));
      const out = new Queue<string[]>();
      const map = new Map([["a", 1]]);
      const t = new Thread({
        target: changeCopies,
        args: [map, new Set([1]), new Date(7), inbox, out],
      });
      t.start();
      t.join();
      assert.deepEqual(out.get(), [
        "map.set: TypeError true",
        "map.delete: TypeError true",
        "map.clear: TypeError true",
        "set.add: TypeError true",
        "set.delete: TypeError true",
        "date.setTime: TypeError true",
        "date.setFullYear: TypeError true",
        "read: true 1 1 7 2",
      ]);
      map.set("b", 2);
      await shutdown();
    },
  ],
  ["threads start, are listed while alive, and join", async () => {
    const go = new Event();
    const out = new Queue<string>();
    const threads = [0, 1, 2].map((i) =>
      new Thread({ target: waitThenReport, args: [go, out], name: `w${i}` })
    );
    for (const t of threads) t.start();
    assert.equal(activeCount(), 4);
    const names = enumerate().map((t) => t.name);
    assert.deepEqual(names, ["MainThread", "w0", "w1", "w2"]);
    assert.equal(enumerate()[0], mainThread());
    go.set();
    for (const t of threads) t.join();
    assert.deepEqual([out.get(), out.get(), out.get()].sort(), ["w0", "w1", "w2"]);
    assert.ok(threads.every((t) => !t.isAlive()));
    assert.equal(activeCount(), 1);
    await shutdown();
  }],
  ["a Lock loses no increment: 4 threads x 2,000", async () => {
    const lock = new Lock();
    const cell = new SharedInt32(0);
    const threads = [0, 1, 2, 3].map(() =>
      new Thread({ target: addUnderLock, args: [lock, cell, 2000] })
    );
    for (const t of threads) t.start();
    for (const t of threads) t.join();
    assert.equal(cell.value, 8000);
    assert.equal(lock.locked(), false);
    await shutdown();
  }],
  ["a Barrier lets 3 threads through with indices 0, 1, 2", async () => {
    const barrier = new Barrier(3);
    const out = new Queue<number>();
    const threads = [0, 1, 2].map(() =>
      new Thread({ target: atBarrier, args: [barrier, out] })
    );
    for (const t of threads) t.start();
    for (const t of threads) t.join();
    assert.deepEqual([out.get(), out.get(), out.get()].sort(), [0, 1, 2]);
    await shutdown();
  }],
  ["a Condition's notifyAll wakes every waiter", async () => {
    const cond = new Condition();
    const ready = new SharedInt32(0);
    const done = new SharedInt32(0);
    const threads = [0, 1, 2].map(() =>
      new Thread({ target: consume, args: [cond, ready, done] })
    );
    for (const t of threads) t.start();
    cond.with(() => {
      ready.value = 1;
      cond.notifyAll();
    });
    for (const t of threads) t.join();
    assert.equal(done.value, 3);
    await shutdown();
  }],
  ["a Semaphore(2) lets at most 2 threads in at once", async () => {
    const sem = new Semaphore(2);
    const now = new SharedInt32(0);
    const most = new SharedInt32(0);
    const threads = [0, 1, 2, 3].map(() =>
      new Thread({ target: inside, args: [sem, now, most] })
    );
    for (const t of threads) t.start();
    for (const t of threads) t.join();
    assert.ok(most.value >= 1 && most.value <= 2, `most inside: ${most.value}`);
    await shutdown();
  }],
  [
    "a boot error (a module the runtime cannot load) reaches start() at once",
    async () => {
      const t0 = performance.now();
      const thread = new Thread({
        target: nothing,
        module: new URL("./_unstrippable.ts", import.meta.url),
      });
      // Deno and Bun load the module (no error); Node's type stripping refuses it.
      let refused: unknown;
      try {
        thread.start();
        thread.join();
      } catch (error) {
        refused = error;
      }
      if (deno === undefined && !("Bun" in globalThis)) {
        assert.ok(refused instanceof ThreadError, String(refused));
        assert.match((refused as Error).message, /_unstrippable\.ts failed to load/);
      } else {
        assert.equal(refused, undefined);
      }
      assert.ok(performance.now() - t0 < 30_000, "no 60 s wait");
      await shutdown();
    },
  ],
  [
    "a module that throws as a thread imports it is named, with where it threw",
    async () => {
      const thread = new Thread({
        target: nothing,
        module: new URL("./_imports_failing.ts", import.meta.url),
      });
      let refused: unknown;
      try {
        thread.start();
      } catch (error) {
        refused = error;
      }
      assert.ok(refused instanceof ThreadError, String(refused));
      const helper = new URL("_fails_in_threads.ts", HERE).href;
      const line = readFileSync(new URL(helper), "utf8").split("\n")
        .findIndex((l) => l.endsWith("// throws here")) + 1;
      // Bun names modules by path in its stacks: the message names them by URL.
      assert.match(
        (refused as Error).message,
        new RegExp(
          `the module ${helper} failed to load in the new thread \\(imported by ` +
            `${new URL("_imports_failing.ts", HERE).href}\\): Error: this module ` +
            `refuses threads \\(at ${helper}:${line}:\\d+\\)`,
        ),
      );
      await shutdown();
    },
  ],
  [
    "the deadlock report's `at` lines are the program's, not the library's or the runtime's",
    () => {
      const { code, stderr } = runProgram("_deadlock_site.ts");
      assert.equal(code, 2, stderr);
      const source = new URL("_deadlock_site.ts", HERE).pathname;
      const report = stderr.slice(stderr.indexOf("Threads:"));
      const at = report.split("\n").filter((line) => line.trim().startsWith("at "));
      assert.ok(at.length >= 1, report);
      // The first frame is where the thread waits: the waiter's line (Bun: by path).
      assert.ok(at[0].includes(`${source}:9:`) && at[0].includes("waiter"), report);
      for (const line of at) {
        assert.ok(!/src\/_[a-z_]+\.ts|node:|ModuleJob|\(native/.test(line), report);
      }
    },
  ],
  ["an error the library throws at a call starts its stack at the caller's frame", () => {
    const file = new URL(import.meta.url).pathname.split("/").pop()!;
    const calls: [string, () => unknown][] = [
      ["start() of an arrow", () => new Thread({ target: () => 1 }).start()],
      ["a bad timeout", () => new Lock().acquire(true, -5)],
      ["release() unlocked", () => new Lock().release()],
      ["RLock release() unowned", () => new RLock().release()],
      ["wait() without the lock", () => new Condition().wait(1)],
      ["a bad Semaphore", () => new Semaphore(-1)],
      ["put() into a shut-down queue", () => {
        const q = new Queue();
        q.shutdown();
        q.put(1);
      }],
      [
        "a deep put()",
        () => new Queue().put({ a: { b: { c: { d: { f: Math.max } } } } }),
      ],
      ["a broken barrier", () => {
        const b = new Barrier(2);
        b.abort();
        b.wait();
      }],
      ["a hidden excepthook", () => setExcepthook(hiddenHook)],
    ];
    for (const [what, call] of calls) {
      let stack = "";
      try {
        call();
      } catch (error) {
        stack = String((error as Error).stack);
      }
      const first = stack.split("\n").find((line) => /^\s+at /.test(line)) ?? "";
      // Bun drops the frame of a call in tail position: any frame of this file.
      assert.ok(first.includes(`/${file}:`), `${what}: ${stack}`);
    }
  }],
  ...["start", "timeout", "deadlock"].map((kind): Case => [
    `the report of an uncaught error (${kind}) names the program's line, no library file`,
    () => {
      const { code, stderr } = runProgram("_uncaught_error.ts", {}, kind);
      assert.notEqual(code, 0, stderr);
      assert.match(stderr, /the line the report must show/, stderr);
      assert.doesNotMatch(stderr, /_bundle|\/src\//, stderr);
    },
  ]),
  ...(["bundle", "modules"] as const).map((form): Case => [
    `logging's caller fields and "Call stack:" name the program's frames (${form})`,
    () => {
      const { code, stderr } = runProgram("_log_caller.ts", { THREADING_FORM: form });
      assert.equal(code, 0, stderr);
      const file = new URL("_log_caller.ts", HERE);
      const source = readFileSync(file, "utf8").split("\n");
      const at = (mark: string) =>
        source.findIndex((l) => l.endsWith(`// at:${mark}`)) + 1;
      // Each shape of frame, in the thread and on the main thread.
      const expected = [
        ["function", "work"],
        ["static", "make"],
        ["private", "#step"],
        ["method", "run"],
        ["async", "later"],
        ["arrow", undefined],
      ] as const;
      const lines = stderr.split("\n").filter((l) => /^(?:T|MainThread)\|/.test(l));
      for (const thread of ["T", "MainThread"]) {
        for (const [message, funcName] of expected) {
          const line = lines.find((l) =>
            l.startsWith(`${thread}|`) && l.endsWith(`|${message}`)
          );
          assert.ok(line !== undefined, `no ${message} line of ${thread}:\n${stderr}`);
          const [, filename, module, func, lineno] = line.split("|");
          assert.deepEqual(
            [filename, module, Number(lineno)],
            ["_log_caller.ts", "_log_caller", at(message)],
            line,
          );
          if (funcName !== undefined) assert.equal(func, funcName, line);
        }
      }
      // The logging error's call stack starts at the program's line.
      const report = stderr.slice(stderr.indexOf("--- Logging error ---"));
      const frames = report.split("\n").filter((l) => l.trim().startsWith("at "));
      assert.ok(frames.length >= 1, stderr);
      assert.ok(frames[0].includes(`${file.pathname}:${at("error")}:`), report);
    },
  ]),
  ...([
    ["release", "ThreadError: Cannot release Lock: it is not locked"],
    [
      "start",
      'TypeError: Cannot start thread "Thread-1 (target)": the target is an arrow',
    ],
  ] as const).map(([call, message]): Case => [
    `an uncaught library error's report is short and has its message (${call})`,
    () => {
      const { code, stderr } = runProgram("_uncaught.ts", { THREADING_UNCAUGHT: call });
      assert.notEqual(code, 0, stderr);
      assert.ok(stderr.includes(message), stderr);
      // Node and Bun print the source lines around the throw: on a one-line minified
      // bundle, the whole library (50 KB).
      const lines = stderr.split("\n").filter((line) => !line.includes(message));
      assert.ok(lines.every((line) => line.length <= 500), stderr);
      assert.ok(lines.join("\n").length < 2000, `${stderr.length} bytes:\n${stderr}`);
    },
  ]),
  ["a thread's output printed just before the process ends is never lost (x3)", () => {
    for (let round = 0; round < 3; round++) {
      const { code, stdout } = runProgram("_output_at_exit.ts");
      assert.equal(code, 0, stdout);
      const lines = stdout.trim().split("\n").sort();
      const expected = [
        "main done",
        ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `thread ${n} says goodbye`),
      ].sort();
      assert.deepEqual(lines, expected, `round ${round}`);
    }
  }],
];

if (import.meta.main) {
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of cases) {
    try {
      await fn();
      passed++;
      console.log(`ok ${name}`);
    } catch (error) {
      failed++;
      console.log(`FAILED ${name}: ${(error as Error)?.stack ?? error}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}
