// Copyright the threading for Deno authors. MIT license.
// Timer's attributes, as CPython's: interval, finished, function, args, kwargs, in the
// thread that made it and in its own thread, so that the RepeatTimer idiom works as
// written in Python (a subclass overriding run(), in a real thread).
import assert from "node:assert/strict";
import { Timer } from "../src/timer.ts";
import { Event } from "../src/event.ts";
import { Lock } from "../src/lock.ts";
import { SharedInt32 } from "../src/shared_cells.ts";
import { SharedList } from "../src/shared_list.ts";

/**
 * Python's idiom:
 * `class RepeatTimer(Timer): def run(self):
 *    while not self.finished.wait(self.interval): self.function(*self.args, **self.kwargs)`
 */
export class RepeatTimer extends Timer {
  override run(): void {
    while (!this.finished.wait(this.interval)) {
      this.function(...this.args, this.kwargs);
    }
  }
}

/** What the timer's own thread saw of its attributes (its first call records them). */
export class InspectingTimer extends Timer {
  override run(): void {
    const seen = this.args[0] as SharedList<string>;
    seen.push(
      `function=${this.function.name}`,
      `args=${this.args.length}`,
      `kwargs=${JSON.stringify(this.kwargs)}`,
      `interval=${this.interval}`,
      `finished=${this.finished instanceof Event}`,
    );
    // A subclass may change the call in its own thread, as `self.args = ...` in Python.
    this.args = [seen, "changed in the thread"];
    super.run();
  }
}

export function tick(
  count: SharedInt32,
  reached: Event,
  kwargs: { every: number; label: string },
): void {
  assert.equal(kwargs.label, "repeat");
  if (count.add(kwargs.every) + kwargs.every >= 3) reached.set();
}

export function record(seen: SharedList<string>, note: string): void {
  seen.push(note);
}

Deno.test("Timer has CPython's function, args, kwargs, interval and finished", () => {
  const count = new SharedInt32(0);
  const reached = new Event();
  const kwargs = { every: 1, label: "repeat" };
  const t = new Timer(5_000, tick, [count, reached], kwargs);
  assert.equal(t.function, tick);
  assert.deepEqual(t.args, [count, reached]);
  assert.equal(t.kwargs, kwargs);
  assert.equal(t.interval, 5_000);
  assert.ok(t.finished instanceof Event);
  assert.equal(new Timer(10, record).kwargs, undefined);
  assert.deepEqual(new Timer(10, record).args, []);
  t.start();
  // Kept after start(), as CPython's Timer keeps them (a Thread drops its target).
  assert.equal(t.function, tick);
  assert.deepEqual(t.args, [count, reached]);
  t.cancel();
  t.join();
  assert.equal(count.value, 0);
  assert.throws(() => (t.function = 1 as never), TypeError);
  assert.throws(() => (t.args = "x" as never), TypeError);
});

Deno.test("the RepeatTimer idiom runs in a real thread until cancel()", () => {
  const count = new SharedInt32(0);
  const reached = new Event();
  const t = new RepeatTimer(20, tick, [count, reached], { every: 1, label: "repeat" });
  t.start();
  assert.ok(reached.wait(60_000), "three ticks");
  t.cancel();
  t.join(60_000);
  assert.equal(t.isAlive(), false);
  const after = count.value;
  assert.ok(after >= 3, `ticks: ${after}`);
  assert.ok(t.finished.isSet());
});

Deno.test("a Timer subclass reads and changes its call in its own thread", () => {
  const seen = new SharedList<string>();
  const t = new InspectingTimer(1, record, [seen, "from the constructor"], { k: 1 });
  // Changed before start(): the thread gets the new arguments.
  t.args = [seen, "set before start"];
  t.kwargs = undefined;
  t.start();
  t.join(60_000);
  assert.deepEqual(seen.toArray(), [
    "function=record",
    "args=2",
    "kwargs=undefined",
    "interval=1",
    "finished=true",
    "changed in the thread",
  ]);
});

export function lockAndNumber(lock: Lock, n: number): number {
  return lock.locked() ? n : -n;
}

/**
 * What `deno check` says of a Timer's arguments (never called: the checks are the
 * type checker's): they are checked against the function's parameters, as finding 11.11
 * asked (`new Timer(100, worker, ["x"])` passed). Each `@ts-expect-error` fails the
 * check if its line type-checks.
 */
function timerArgumentTypes(count: SharedInt32, reached: Event): unknown[] {
  const loose: unknown[] = [new Lock(), 1];
  const ok = new Timer(100, lockAndNumber, [new Lock(), 5]);
  // @ts-expect-error "x" is not a Lock, and one argument is missing
  const notALock = new Timer(100, lockAndNumber, ["x"]);
  // @ts-expect-error a string where the number goes
  const notANumber = new Timer(100, lockAndNumber, [new Lock(), "not a number"]);
  // @ts-expect-error the number is missing (its last parameter is not kwargs)
  const missing = new Timer(100, lockAndNumber, [new Lock()]);
  // kwargs: the last parameter, when it takes an object
  const withKwargs = new Timer(100, tick, [count, reached], {
    every: 1,
    label: "repeat",
  });
  // @ts-expect-error kwargs of the wrong shape
  const badKwargs = new Timer(100, tick, [count, reached], { every: "1", label: "x" });
  // An array of any length is not checked (its items are not known).
  const unchecked = new Timer(100, lockAndNumber, loose);
  // A subclass is not checked (its parameters are any[]).
  const sub = new RepeatTimer(100, lockAndNumber, ["x"]);
  // An annotated Timer is one too: `Timer` is `Timer<any[]>`.
  const annotated: Timer = new Timer(100, lockAndNumber, [new Lock(), 5]);
  return [
    ok,
    notALock,
    notANumber,
    missing,
    withKwargs,
    badKwargs,
    unchecked,
    sub,
    annotated,
  ];
}
void timerArgumentTypes;

Deno.test("Timer's fifth argument { module } is a Thread's module option: checked, and the function runs from it", () => {
  const seen = new SharedList<string>();
  assert.throws(
    () => new Timer(1, record, [seen, "x"], undefined, 5 as never),
    { name: "TypeError", message: /^Cannot create Timer: options must be an object/ },
  );
  assert.throws(
    () => new Timer(1, record, [seen, "x"], undefined, { module: 5 as never }),
    { name: "TypeError", message: /^Cannot create Timer: options\.module must be a URL/ },
  );
  const t = new Timer(1, record, [seen, "named"], undefined, {
    module: import.meta.url,
  });
  t.start();
  t.join();
  assert.deepEqual([...seen], ["named"]);
});
