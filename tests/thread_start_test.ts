// Copyright the threading for Deno authors. MIT license.
// A refused or failed start() leaves no trace: every path out of start() that throws
// gives back what it took (slot, counts, Worker), with an error of the library's
// classes, and a Worker given up on never writes a later thread's slot.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { activeCount, shutdown, Thread } from "../src/threading.ts";
import { H_NON_DAEMON, H_REQUESTS, MAX_THREADS, runtime } from "../src/_runtime.ts";
import { poolSize } from "../src/_pool.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Does nothing. */
export function noop(..._args: unknown[]): void {}

/** An argument that cannot cross: an error caused by a symbol. */
function uncloneable(): Error {
  return new Error("carries a symbol", { cause: Symbol("s") });
}

/**
 * From inside a thread, starts a thread with an argument that cannot cross (the codec
 * refuses it, or else the Worker's clone); records the error.
 */
export function startUncloneable(out: Int32Array): void {
  try {
    new Thread({ target: noop, args: [uncloneable()] }).start();
    out[0] = 1;
  } catch (error) {
    out[0] = error instanceof TypeError &&
        /cannot be copied|cannot cross threads/.test((error as Error).message)
      ? 2
      : 3;
  }
}

function nonDaemon(): number {
  return Atomics.load(runtime.i32, H_NON_DAEMON);
}

/**
 * The count of non-daemon threads once it has settled at `expected` (a joiner may wake
 * just before the ended thread's count drops), or as it is after 10 s.
 */
function settledNonDaemon(expected: number): number {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const n = nonDaemon();
    if (n === expected || performance.now() > deadline) return n;
    Atomics.wait(runtime.i32, H_NON_DAEMON, n, 100);
  }
}

// ---- Tests ----

Deno.test("a name over 256 bytes is refused at construction and by setName(), before start() takes a slot", async () => {
  const long = "x".repeat(300);
  for (let i = 0; i < MAX_THREADS + 10; i++) {
    assert.throws(() => new Thread({ name: long }), RangeError);
  }
  const t = new Thread({ target: noop, name: "fine" });
  assert.throws(
    () => t.setName(long),
    (e: Error) => e instanceof RangeError && /256 bytes/.test(e.message),
  );
  assert.throws(() => (t.name = "é".repeat(129)), RangeError);
  assert.equal(t.name, "fine");
  t.name = "é".repeat(128);
  // After more refusals than there are slots, threads still start.
  t.start();
  assert.throws(() => t.setName(long), RangeError);
  t.join();
  assert.equal(t.name, "é".repeat(128));
  assert.equal(settledNonDaemon(0), 0);
  await shutdown();
});

Deno.test("an argument that cannot cross (codec or clone) is a TypeError, and start() gives back its slot, count and Worker", async () => {
  const before = { active: activeCount(), count: nonDaemon() };
  const workers = poolSize();
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => new Thread({ target: noop, args: [uncloneable()] }).start(),
      (e: Error) =>
        e instanceof TypeError && !(e instanceof DOMException) &&
        /an argument cannot be copied to another thread|cannot cross threads/.test(
          e.message,
        ),
    );
  }
  assert.equal(activeCount(), before.active);
  assert.equal(nonDaemon(), before.count);
  // The Worker claimed for it serves the next thread: no Worker is lost.
  assert.ok(poolSize() <= Math.max(workers, 1) + 4, `${poolSize()} Workers`);
  const t = new Thread({ target: noop });
  t.start();
  t.join();
  // From inside a thread, the same refusal, and no request left counted.
  const out = new Int32Array(new SharedArrayBuffer(4));
  const s = new Thread({ target: startUncloneable, args: [out] });
  s.start();
  s.join();
  assert.equal(out[0], 2);
  assert.equal(settledNonDaemon(before.count), before.count);
  assert.equal(Atomics.load(runtime.i32, H_REQUESTS), 0);
  await shutdown();
});

Deno.test("a Worker that start() gave up on never writes a later thread's slot, and gives its slot back", async () => {
  const fixture = new URL("./fixtures/abandoned_start.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", fixture],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, `the process must exit by itself: ${stderr}`);
  const found = JSON.parse(stdout);
  for (const message of found.gaveUp) {
    assert.match(
      message,
      /^ThreadError: Cannot start thread "slow": its Worker did not report/,
    );
  }
  assert.equal(found.countAfterGivingUp, 0);
  assert.deepEqual(found.slotsHeld, [true, true], "held until the Worker reports");
  assert.deepEqual(found.laterAlive, [true, true]);
  assert.deepEqual(found.laterNames, ["later-0", "later-1"]);
  assert.deepEqual(found.slotsFreed, [true, true], "given back once the Worker reported");
  assert.equal(found.staleRan, false);
  assert.deepEqual(found.liveAfterStale, [true, true, true, "later-0"]);
  assert.equal(found.countAtEnd, 0);
});

Deno.test("start() returns when the thread's run() is next: the Worker's per-thread setup is done before", async () => {
  // The seed `threading_event` lost all of the "nonblock" thread's lines on Node under
  // load: start() returned before the Worker took its baseline of the global state
  // (100-700 ms under load), so the main thread's sleep(300) and set() came first and
  // the thread's `while (!e.isSet())` never ran. The fixture makes that step take 500 ms.
  const { recordBaseline } = await import("./fixtures/slow_baseline.ts");
  const out = new Float64Array(new SharedArrayBuffer(8));
  const t = new Thread({
    target: recordBaseline,
    module: import.meta.resolve("./fixtures/slow_baseline.ts"),
    args: [out],
  });
  t.start();
  const returned = Date.now();
  t.join();
  assert.notEqual(out[0], 0, "the baseline read the fixture's accessor before run()");
  assert.ok(
    out[0] <= returned,
    `start() returned ${out[0] - returned} ms before the Worker's setup ended`,
  );
});
