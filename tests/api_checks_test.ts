// Copyright the threading for Deno authors. MIT license.
// Small argument rules ported from CPython 3.11, checked against it: Thread's kwargs
// must be a mapping; its name is turned into a string by the constructor and by the
// setter alike (`str(name)`); Semaphore.acquire() with a negative timeout is one
// attempt, while Lock.acquire() refuses it.
import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  currentThread,
  Lock,
  Queue,
  Semaphore,
  shutdown,
  Thread,
} from "../src/threading.ts";

/** Puts its thread's name and its kwargs on `out`, as the thread saw them. */
export function report(out: Queue<string>, kwargs: Record<string, unknown>): void {
  out.put(`${currentThread().name} ${JSON.stringify(kwargs)}`);
}

Deno.test("Thread: kwargs must be a mapping (CPython: argument after ** must be a mapping, not list)", async () => {
  for (const bad of [[1], [], "abc", 5]) {
    assert.throws(
      // @ts-expect-error no args for report(out, kwargs): the constructor refuses the kwargs first
      () => new Thread({ target: report, kwargs: bad as never }),
      (e: Error) => e instanceof TypeError && /kwargs must be an object/.test(e.message),
      JSON.stringify(bad),
    );
  }
  // An object still reaches the target last, in a real Worker.
  const out = new Queue<string>();
  const t = new Thread({ target: report, args: [out], kwargs: { a: 1 }, name: "kw" });
  t.start();
  t.join();
  assert.equal(out.get(), `kw {"a":1}`);
  await shutdown();
});

Deno.test("Thread: the name setter turns any value into a string, as the constructor does (CPython: str(name))", async () => {
  // CPython 3.11: Thread(name=5).name == "5", t.name = True -> "True", t.name = None ->
  // "None"; here String(): "5", "true", "null".
  const values: Array<[unknown, string]> = [
    [5, "5"],
    [true, "true"],
    [5n, "5"],
    [Symbol("s"), "Symbol(s)"],
    [[1, 2], "1,2"],
    [{ toString: () => "named" }, "named"],
  ];
  for (const [value, text] of values) {
    // @ts-expect-error no args for report(out, kwargs): never started, only its name is read
    assert.equal(new Thread({ target: report, name: value as never }).name, text);
    // @ts-expect-error no args for report(out, kwargs): never started, only its name is read
    const t = new Thread({ target: report });
    t.name = value as never;
    assert.equal(t.name, text);
    t.setName(value as never);
    assert.equal(t.name, text);
  }
  // As CPython's `if name:`: a false name gets the default, in the constructor only.
  for (const value of [undefined, null, "", 0, false, []]) {
    assert.match(
      // @ts-expect-error no args for report(out, kwargs): never started, only its name is read
      new Thread({ target: report, name: value as never }).name,
      /^Thread-\d+ \(report\)$/,
    );
  }
  // @ts-expect-error no args for report(out, kwargs): never started, only its name is read
  const t = new Thread({ target: report });
  t.name = null as never;
  assert.equal(t.name, "null");
  assert.throws(() => (t.name = "x".repeat(257)), RangeError);
  // A name set from a number is the thread's name in the thread too (a real Worker).
  const out = new Queue<string>();
  const started = new Thread({ target: report, args: [out, {}] });
  started.name = 42 as never;
  started.start();
  started.join();
  assert.equal(out.get(), "42 {}");
  await shutdown();
});

Deno.test("Semaphore.acquire() with a negative timeout is one attempt, as CPython 3.11's; Lock still refuses it", async () => {
  for (const Kind of [Semaphore, BoundedSemaphore]) {
    const s = new Kind(1);
    const t0 = performance.now();
    assert.equal(s.acquire(true, -5), true, `${Kind.name}: a free permit is taken`);
    assert.equal(s.acquire(true, -5), false, `${Kind.name}: none left, no wait`);
    assert.equal(s.acquire(true, -1), false, `${Kind.name}: -1 is negative too`);
    assert.equal(s.acquire(true, -Infinity), false);
    assert.equal(await s.acquireAsync(true, -5), false);
    assert.ok(performance.now() - t0 < 1000, "none of them waited");
    // CPython: "can't specify timeout for non-blocking acquire" (ValueError).
    assert.throws(() => s.acquire(false, -5), RangeError);
    assert.throws(() => s.acquire(true, NaN), RangeError);
    // None (no limit) is null or undefined.
    s.release();
    assert.equal(s.acquire(true, null), true);
  }
  // Lock keeps CPython's Lock rule: a negative timeout other than -1 is an error.
  assert.throws(() => new Lock().acquire(true, -5), RangeError);
  await shutdown();
});

Deno.test("every blocking call has an ...Async twin, except those the README names (finding 20 of ut7)", async () => {
  const lib = await import("../src/threading.ts");
  const blocking = ["acquire", "wait", "waitFor", "get", "put", "join", "with"];
  const missing: string[] = [];
  for (const [name, value] of Object.entries(lib)) {
    if (typeof value !== "function" || !/^[A-Z]/.test(name)) continue;
    const methods = new Set<string>();
    for (
      let p = (value as { prototype?: object }).prototype;
      p && p !== Object.prototype;
      p = Object.getPrototypeOf(p)
    ) {
      for (const m of Object.getOwnPropertyNames(p)) methods.add(m);
    }
    for (const m of blocking) {
      if (methods.has(m) && !methods.has(`${m}Async`)) missing.push(`${name}.${m}`);
    }
  }
  if (!("sleepAsync" in lib)) missing.push("sleep");
  assert.deepEqual(missing.sort(), ["SimpleQueue.put", "sleep"]);
  // The README's claim names them: "Two blocking calls have none: `sleep()` ... and
  // `SimpleQueue.put()`".
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const claim = /Two blocking\s+calls have none: ([^]*?)\n\n/.exec(readme);
  assert.ok(claim, "the README names the blocking calls without an ...Async twin");
  for (const call of missing) assert.ok(claim[1].includes(`\`${call}()\``), call);
});
