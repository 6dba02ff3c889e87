// Copyright the threading for Deno authors. MIT license.
/**
 * Runs every program in `examples/` as its `deno task example:<name>` runs it, in a
 * subprocess, and checks the shape of what it prints against the seed it ports: the
 * lines (random numbers matched by pattern), the thread-name column, the orderings
 * that the synchronization guarantees, the lines that must never appear, and exit
 * code 0.
 *
 * The examples run a few at a time (most of their time is spent sleeping), each with a
 * generous time limit after which it is killed and its check fails.
 *
 * With `THREADING_EXAMPLES_RUNTIME` set (the path of a `node` or `bun` binary, with
 * `--allow-env`), the same checks run the examples on that runtime instead, as
 * `<runtime> examples/<name>.ts`, in `THREADING_EXAMPLES_ROOT` (a copy of the project
 * whose `node_modules` holds `@logtape/logtape`): `.ci/run` does so for Node and Bun.
 *
 * With `THREADING_EXAMPLES_ROOT` set alone, Deno runs the examples of that copy:
 * `tests/bundle_test.ts` runs a copy whose examples import the library's bundle entry,
 * so that the same checks hold for the bundle.
 */
import assert from "node:assert/strict";

/** An environment variable, if set and readable (`--allow-env`). */
function env(name: string): string | undefined {
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
    ? Deno.env.get(name)
    : undefined;
}

/** The `node` or `bun` binary that runs the examples, if not Deno. */
const RUNTIME = env("THREADING_EXAMPLES_RUNTIME");
const ROOT = env("THREADING_EXAMPLES_ROOT") !== undefined
  ? new URL(`file://${env("THREADING_EXAMPLES_ROOT")}/`)
  : new URL("../", import.meta.url);
const EXAMPLES = new URL("examples/", ROOT);
/** How many examples run at once: most of their time is spent sleeping. */
const CONCURRENCY = 3;
/** Time limit of one example, in milliseconds. */
const TIME_LIMIT = 30_000;

/** The examples that start no thread: they need no permission at all. */
const NO_THREADS = new Set(["lock_reacquire", "rlock"]);

/**
 * The command that `deno task example:<name>` runs, with the least permissions: a thread
 * needs to read the modules it loads (the example's and the library's, all in the
 * project's folder, where `deno task` runs).
 */
function taskCommand(name: string): string {
  return NO_THREADS.has(name)
    ? `deno run examples/${name}.ts`
    : `deno run --allow-read=. examples/${name}.ts`;
}

interface Run {
  code: number;
  timedOut: boolean;
  output: string;
  lines: string[];
}

/**
 * Runs one example's task command in the project's folder, with stdout and stderr
 * merged into one pipe (through `sh -c exec`, so that the order of lines across the two
 * streams is kept and a kill reaches Deno).
 */
async function runExample(name: string): Promise<Run> {
  const [, ...args] = RUNTIME === undefined
    ? taskCommand(name).split(" ")
    : ["", `examples/${name}.ts`];
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec "$0" "$@" 2>&1', RUNTIME ?? Deno.execPath(), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, TIME_LIMIT);
  const { code, stdout } = await child.output();
  clearTimeout(timer);
  const output = new TextDecoder().decode(stdout);
  const lines = output.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return { code, timedOut, output, lines };
}

/**
 * The examples whose checked shape rests on timing, not only on synchronization (a
 * timer cancelled within its interval, a consumer waiting before the producer
 * notifies): they run one at a time after the others, on a quieter machine.
 */
const ALONE = new Set(["timer", "condition"]);

/** Runs all `names`: `CONCURRENCY` at a time, then those of `ALONE` one by one. */
async function runAll(names: readonly string[]): Promise<Map<string, Run>> {
  const results = new Map<string, Run>();
  const queue = names.filter((name) => !ALONE.has(name));
  const lane = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      results.set(name, await runExample(name));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  for (const name of names.filter((name) => ALONE.has(name))) {
    results.set(name, await runExample(name));
  }
  return results;
}

// ---------------------------------------------------------------------------------
// Helpers over the printed lines.

type Pattern = string | RegExp;

function matches(line: string, pattern: Pattern): boolean {
  return typeof pattern === "string" ? line === pattern : pattern.test(line);
}

/** The logging column `(%(threadName)-10s)` for `name`. */
function col(name: string, width = 10): string {
  return `(${name.padEnd(width)})`;
}

/** `text` for a `RegExp` that matches it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `(name      ) message`, as the seeds' `(%(threadName)-10s) %(message)s`. */
function log(name: string, message: string): string {
  return `${col(name)} ${message}`;
}

/**
 * Asserts that `lines` is exactly the multiset `expected` (in any order): every line is
 * matched by one pattern and every pattern by one line.
 */
function assertLines(lines: readonly string[], expected: readonly Pattern[]): void {
  const used = new Array(lines.length).fill(false);
  const missing: Pattern[] = [];
  for (const pattern of expected) {
    const i = lines.findIndex((line, j) => !used[j] && matches(line, pattern));
    if (i < 0) missing.push(pattern);
    else used[i] = true;
  }
  const extra = lines.filter((_, j) => !used[j]);
  assert.deepEqual(
    { missing: missing.map(String), extra },
    { missing: [], extra: [] },
    "the printed lines differ from the expected ones",
  );
}

/** The index of the one line that matches `pattern`. */
function indexOf(lines: readonly string[], pattern: Pattern): number {
  const found = lines.flatMap((line, i) => matches(line, pattern) ? [i] : []);
  assert.equal(
    found.length,
    1,
    `expected one line matching ${pattern}, found ${found.length}`,
  );
  return found[0];
}

/** Asserts that the one line matching `a` comes before the one matching `b`. */
function assertBefore(lines: readonly string[], a: Pattern, b: Pattern): void {
  const i = indexOf(lines, a);
  const j = indexOf(lines, b);
  assert.ok(
    i < j,
    `expected "${lines[i]}" (line ${i + 1}) before "${lines[j]}" (line ${j + 1})`,
  );
}

/** The lines that match `pattern`, in order. */
function select(lines: readonly string[], pattern: RegExp): string[] {
  return lines.filter((line) => pattern.test(line));
}

/** The lines of one thread's logging column, with the column cut off. */
function thread(lines: readonly string[], name: string): string[] {
  const prefix = `${col(name)} `;
  return lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

/** Python's `logging` default `asctime` (`2018-05-01 15:39:49,561`) and a space. */
const ASCTIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `;

// ---------------------------------------------------------------------------------
// The shape of each example's output.

const checks: Record<string, (lines: string[]) => void> = {
  simple(lines) {
    assertLines(lines, Array(5).fill("Worker"));
  },

  simpleargs(lines) {
    assertLines(lines, [0, 1, 2, 3, 4].map((i) => `Worker: ${i}`));
  },

  names(lines) {
    // CPython 3.10+ names a thread with a target `Thread-N (target)`.
    const names = ["worker", "Thread-1 (worker)", "my_service"];
    assertLines(lines, names.flatMap((n) => [`${n} Starting`, `${n} Exiting`]));
    for (const n of names) assertBefore(lines, `${n} Starting`, `${n} Exiting`);
  },

  names_log(lines) {
    const names = ["worker", "Thread-1 (worker)", "my_service"];
    const line = (n: string, m: string) => `[DEBUG] ${log(n, m)}`;
    assertLines(lines, names.flatMap((n) => [line(n, "Starting"), line(n, "Exiting")]));
    for (const n of names) assertBefore(lines, line(n, "Starting"), line(n, "Exiting"));
  },

  daemon(lines) {
    // The daemon's "Exiting" never appears: the program ends without waiting for it.
    assertLines(lines, [
      log("daemon", "Starting"),
      log("non-daemon", "Starting"),
      log("non-daemon", "Exiting"),
    ]);
    assertBefore(lines, log("non-daemon", "Starting"), log("non-daemon", "Exiting"));
  },

  daemon_join(lines) {
    assertLines(lines, [
      log("daemon", "Starting"),
      log("non-daemon", "Starting"),
      log("non-daemon", "Exiting"),
      log("daemon", "Exiting"),
    ]);
    assertBefore(lines, log("daemon", "Starting"), log("daemon", "Exiting"));
    assertBefore(lines, log("non-daemon", "Starting"), log("non-daemon", "Exiting"));
  },

  daemon_join_timeout(lines) {
    assertLines(lines, [
      log("daemon", "Starting"),
      log("non-daemon", "Starting"),
      log("non-daemon", "Exiting"),
      "d.isAlive() true",
    ]);
    assertBefore(lines, log("non-daemon", "Starting"), log("non-daemon", "Exiting"));
  },

  enumerate(lines) {
    const workers = ["Thread-1 (worker)", "Thread-2 (worker)", "Thread-3 (worker)"];
    const joins = select(lines, /^\(MainThread\) joining /);
    assert.ok(joins.length >= 1 && joins.length <= 3, `joins: ${joins}`);
    const joined = joins.map((l) => l.replace("(MainThread) joining ", ""));
    assert.equal(new Set(joined).size, joined.length, `a thread joined twice: ${joined}`);
    assertLines(lines, [
      ...workers.flatMap((n) => [
        new RegExp(String.raw`^${escape(col(n))} sleeping 0\.[1-5]0$`),
        log(n, "ending"),
      ]),
      ...joined.map((n) => {
        assert.ok(workers.includes(n), `joined an unknown thread ${n}`);
        return `(MainThread) joining ${n}`;
      }),
    ]);
    for (const n of workers) {
      assertBefore(
        lines,
        new RegExp(String.raw`^${escape(col(n))} sleeping`),
        log(n, "ending"),
      );
    }
    // join() returns only after the thread ended: the next "joining" line comes later.
    for (let i = 0; i + 1 < joined.length; i++) {
      assertBefore(
        lines,
        log(joined[i], "ending"),
        `(MainThread) joining ${joined[i + 1]}`,
      );
    }
  },

  subclass(lines) {
    assertLines(lines, [1, 2, 3, 4, 5].map((i) => log(`Thread-${i}`, "running")));
  },

  subclass_args(lines) {
    assertLines(
      lines,
      [0, 1, 2, 3, 4].map((i) =>
        log(`Thread-${i + 1}`, `running with [${i}] and {'a': 'A', 'b': 'B'}`)
      ),
    );
  },

  timer(lines) {
    // t2 is cancelled and never runs; t1 runs after the main thread is done.
    assert.deepEqual(lines, [
      log("MainThread", "starting timers"),
      log("MainThread", "waiting before canceling t2"),
      log("MainThread", "canceling t2"),
      log("MainThread", "done"),
      log("t1", "worker running"),
    ]);
  },

  event(lines) {
    // The nonblock thread waits 2 s at a time: on a machine so loaded that the main
    // thread takes longer than that to set the event (300 ms after the starts), its wait
    // times out first and it says so, as CPython's would: each timed-out round is
    // "starting", "event set: False", "doing other work".
    const nonblock = thread(lines, "nonblock");
    const rounds = (nonblock.length - 3) / 3;
    assert.ok(Number.isInteger(rounds) && rounds >= 0, nonblock.join("\n"));
    const timedOut = [
      "wait_for_event_timeout starting",
      "event set: False",
      "doing other work",
    ];
    assertLines(lines, [
      log("block", "wait_for_event starting"),
      ...Array.from({ length: rounds }, () => timedOut.map((m) => log("nonblock", m)))
        .flat(),
      log("nonblock", "wait_for_event_timeout starting"),
      log("MainThread", "Waiting before calling Event.set()"),
      log("MainThread", "Event is set"),
      log("block", "event set: True"),
      log("nonblock", "event set: True"),
      log("nonblock", "processing event"),
    ]);
    assert.deepEqual(thread(lines, "MainThread"), [
      "Waiting before calling Event.set()",
      "Event is set",
    ]);
    assert.deepEqual(nonblock, [
      ...Array.from({ length: rounds }, () => timedOut).flat(),
      "wait_for_event_timeout starting",
      "event set: True",
      "processing event",
    ]);
    // Nobody gets past wait() before the main thread sets the event.
    const set = log("MainThread", "Waiting before calling Event.set()");
    assertBefore(lines, set, log("block", "event set: True"));
    assertBefore(lines, set, log("nonblock", "event set: True"));
    assertBefore(
      lines,
      log("block", "wait_for_event starting"),
      log("block", "event set: True"),
    );
  },

  lock(lines) {
    const sleeping = /^Sleeping [01]\.\d\d$/;
    for (const n of ["Thread-1 (worker)", "Thread-2 (worker)"]) {
      const own = thread(lines, n);
      assert.equal(own.length, 9, `${n} printed ${own.length} lines: ${own}`);
      own.forEach((line, i) => {
        const want =
          [sleeping, "Waiting for lock", "Acquired lock", "Release lock"][i % 4];
        assert.ok(
          i === 8 ? line === "Done" : matches(line, want),
          `${n} line ${i}: ${line}`,
        );
      });
    }
    // The lock admits one thread at a time: Acquired and Release lines pair up.
    const held = select(lines, /\) (Acquired|Release) lock$/);
    assert.equal(held.length, 8);
    for (let i = 0; i < held.length; i += 2) {
      assert.ok(held[i].endsWith("Acquired lock"), held.join("\n"));
      assert.equal(held[i + 1], held[i].replace("Acquired", "Release"), held.join("\n"));
    }
    const main = thread(lines, "MainThread");
    assert.equal(main[0], "Waiting for worker threads");
    assert.equal(main.at(-1), "Counter: 4");
    assert.equal(lines.at(-1), log("MainThread", "Counter: 4"));
    // enumerate() lists the main thread and the workers still alive (1 to 3 threads):
    // a "start join" follows the "processing thread" of each but the main thread.
    const listed = main.slice(1, -1).join("|").split(/\|?processing thread/).slice(1);
    assert.ok(listed.length >= 1 && listed.length <= 3, main.join("\n"));
    assert.deepEqual(
      listed.toSorted(),
      ["", ...Array(listed.length - 1).fill("|start join")],
      main.join("\n"),
    );
    assert.equal(lines.length, 18 + main.length);
  },

  lock_noblock(lines) {
    const worker = thread(lines, "Worker");
    const holder = thread(lines, "LockHolder");
    assert.equal(worker.length + holder.length, lines.length, "a line of no thread");
    assert.equal(worker[0], "Starting");
    const tries = worker.slice(1, -1);
    const n = tries.length / 2;
    assert.equal(worker.at(-1), `Done after ${n} iterations`);
    let acquired = 0;
    for (let i = 0; i < n; i++) {
      assert.equal(tries[2 * i], "Trying to acquire");
      assert.match(
        tries[2 * i + 1],
        new RegExp(`^Iteration ${i + 1}: (Not )?acquired$`, "i"),
      );
      if (tries[2 * i + 1].endsWith(": Acquired")) acquired++;
    }
    assert.equal(acquired, 3);
    assert.ok(tries.at(-1)!.endsWith(": Acquired"));
    assert.equal(holder[0], "Starting");
    holder.slice(1).forEach((line, i) =>
      assert.equal(line, i % 2 ? "Not holding" : "Holding")
    );
    // While the holder holds the lock, the worker cannot get it.
    let holding = false;
    for (const line of lines) {
      if (line === log("LockHolder", "Holding")) holding = true;
      if (line === log("LockHolder", "Not holding")) holding = false;
      if (line.endsWith(": Acquired")) {
        assert.ok(!holding, `acquired while held:\n${lines.join("\n")}`);
      }
    }
  },

  lock_reacquire(lines) {
    assert.deepEqual(lines, ["First try : true", "Second try: false"]);
  },

  rlock(lines) {
    assert.deepEqual(lines, ["First try : true", "Second try: true"]);
  },

  lock_with(lines) {
    assertLines(lines, [
      log("Thread-1 (workerWith)", "Lock acquired via with"),
      log("Thread-2 (workerNoWith)", "Lock acquired directly"),
    ]);
  },

  condition(lines) {
    const at = (name: string, message: string) =>
      new RegExp(`^${ASCTIME}\\(${name.padEnd(2)}\\) ${message}$`);
    assertLines(lines, [
      at("c1", "Starting consumer thread"),
      at("c2", "Starting consumer thread"),
      at("p", "Starting producer thread"),
      at("p", "Making resource available"),
      at("c1", "Resource is available to consumer"),
      at("c2", "Resource is available to consumer"),
    ]);
    assertBefore(
      lines,
      at("c1", "Starting consumer thread"),
      at("c2", "Starting consumer thread"),
    );
    assertBefore(
      lines,
      at("c2", "Starting consumer thread"),
      at("p", "Starting producer thread"),
    );
    assertBefore(
      lines,
      at("p", "Starting producer thread"),
      at("p", "Making resource available"),
    );
    // notifyAll() wakes both consumers; they run only after the producer's line.
    assertBefore(
      lines,
      at("p", "Making resource available"),
      at("c1", "Resource is available to consumer"),
    );
    assertBefore(
      lines,
      at("p", "Making resource available"),
      at("c2", "Resource is available to consumer"),
    );
  },

  barrier(lines) {
    const names = ["worker-0", "worker-1", "worker-2"];
    assertLines(lines, [
      ...names.map((n) => `${n} starting`),
      ...names.map((n) => new RegExp(`^${n} waiting for barrier with [0-2] others$`)),
      ...names.map((n) => new RegExp(`^${n} after barrier [0-2]$`)),
    ]);
    assert.deepEqual(select(lines, / starting$/), names.map((n) => `${n} starting`));
    for (const n of names) {
      assertBefore(lines, `${n} starting`, new RegExp(`^${n} waiting`));
    }
    // Nobody passes the barrier before all three have arrived.
    const lastWaiting = lines.findLastIndex((l) => l.includes(" waiting for barrier"));
    const firstAfter = lines.findIndex((l) => l.includes(" after barrier"));
    assert.ok(lastWaiting < firstAfter, lines.join("\n"));
    // wait() returns each arrival index once.
    const ids = select(lines, / after barrier /).map((l) => l.at(-1)).sort();
    assert.deepEqual(ids, ["0", "1", "2"]);
  },

  barrier_abort(lines) {
    const names = ["worker-0", "worker-1", "worker-2"];
    assertLines(lines, [
      ...names.map((n) => `${n} starting`),
      ...names.map((n) => new RegExp(`^${n} waiting for barrier with [0-2] others$`)),
      ...names.map((n) => `${n} aborting`),
    ]);
    for (const n of names) {
      assertBefore(lines, `${n} starting`, new RegExp(`^${n} waiting`));
      assertBefore(lines, new RegExp(`^${n} waiting`), `${n} aborting`);
    }
  },

  semaphore(lines) {
    const names = ["0", "1", "2", "3"];
    const line = new RegExp(`^${ASCTIME}\\(([0-3]) \\) (.*)$`);
    const records = lines.map((l) => {
      const m = line.exec(l);
      assert.ok(m, `unexpected line: ${l}`);
      return { name: m[1], message: m[2] };
    });
    assert.equal(records.length, 12, lines.join("\n"));
    for (const n of names) {
      const own = records.filter((r) => r.name === n).map((r) => r.message);
      assert.equal(own.length, 3, `${n}: ${own}`);
      assert.equal(own[0], "Waiting to join the pool");
    }
    // The list changes one name at a time, under the pool's lock, and never holds more
    // than the semaphore's two.
    let active: string[] = [];
    for (const { name, message } of records) {
      if (message === "Waiting to join the pool") continue;
      const m = /^Running: \[(.*)\]$/.exec(message);
      assert.ok(m, `unexpected message: ${message}`);
      const list = m[1].trim() === ""
        ? []
        : m[1].split(",").map((s) => s.trim().replace(/^["']|["']$/g, ""));
      const expected = active.includes(name)
        ? active.filter((n) => n !== name)
        : [...active, name];
      assert.deepEqual(list, expected, lines.join("\n"));
      assert.ok(list.length <= 2, `more than two running: ${message}`);
      active = list;
    }
    assert.deepEqual(active, []);
  },

  local(lines) {
    assert.deepEqual(thread(lines, "MainThread"), ["No value yet", "value=1000"]);
    for (const n of ["Thread-1 (worker)", "Thread-2 (worker)"]) {
      const own = thread(lines, n);
      assert.equal(own.length, 2, `${n}: ${own}`);
      assert.equal(own[0], "No value yet");
      assert.match(own[1], /^value=([1-9]\d?|100)$/);
    }
    assert.equal(lines.length, 6);
  },

  local_defaults(lines) {
    const init = /^Initializing .*MyLocal.*$/;
    const main = thread(lines, "MainThread");
    assert.equal(main.length, 2, `MainThread: ${main}`);
    assert.match(main[0], init);
    assert.equal(main[1], "value=1000");
    for (const n of ["Thread-1 (worker)", "Thread-2 (worker)"]) {
      const own = thread(lines, n);
      assert.equal(own.length, 3, `${n}: ${own}`);
      assert.match(own[0], init);
      assert.equal(own[1], "value=1000");
      assert.match(own[2], /^value=([1-9]\d?|100)$/);
    }
    assert.equal(lines.length, 8);
  },

  exc_thread(lines) {
    assert.equal(lines[0], "Error");
    assert.equal(lines[1], "An error occured here.");
    assert.equal(lines[2], "Error: An error occured here.");
    assert.ok(lines.length > 3, "no stack");
    for (const l of lines.slice(3)) assert.match(l, /^ {4}at /);
    assert.ok(
      // Bun's stacks name the method without its class: "at run (…)".
      lines.some((l) => /\bat (ExcThread\.)?run \(.*exc_thread\.ts:/.test(l)),
      "the stack names ExcThread.run",
    );
  },
};

const NAMES = Object.keys(checks);

Deno.test("every example has a check, and every check an example", async () => {
  const files: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (entry.isFile && entry.name.endsWith(".ts")) files.push(entry.name.slice(0, -3));
  }
  assert.deepEqual(files.sort(), [...NAMES].sort());
});

Deno.test("deno.json has a task example:<name> for every example", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  const tasks = config.tasks as Record<string, string>;
  for (const name of NAMES) {
    assert.equal(tasks[`example:${name}`], taskCommand(name), `task example:${name}`);
  }
});

Deno.test("every example prints the shape of its seed's output", async (t) => {
  const results = await runAll(NAMES);
  for (const name of NAMES) {
    await t.step(name, () => {
      const run = results.get(name)!;
      const context = `examples/${name}.ts printed:\n${run.output}`;
      assert.ok(!run.timedOut, `timed out after ${TIME_LIMIT} ms; ${context}`);
      assert.equal(run.code, 0, `exit code ${run.code}; ${context}`);
      try {
        checks[name](run.lines);
      } catch (error) {
        if (error instanceof Error) error.message += `\n${context}`;
        throw error;
      }
    });
  }
});
