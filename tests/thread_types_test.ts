// Copyright the threading for Deno authors. MIT license.
/**
 * What `deno check` says of a Thread's `args` and `kwargs`: they are checked against
 * the target's parameters, as a call `target(...args)` (or `target(...args, kwargs)`)
 * is. Each `@ts-expect-error` below fails the check (`deno check`, `deno test`) if its
 * line type-checks, so this file fails if the typing of `ThreadOptions` is loosened;
 * each line without one fails it if correct code is refused. The Threads built in
 * `argumentTypes` are never started (the function is never called); the test at the end
 * runs two of the accepted shapes in real threads.
 */
import assert from "node:assert/strict";
import {
  Queue,
  SharedInt32,
  Thread,
  type ThreadOptions,
  Timer,
} from "../src/threading.ts";

export function work(n: number, s: string): string {
  return `${s}${n}`;
}
export function withOptional(n: number, label?: string): string {
  return `${label ?? ""}${n}`;
}
export function noParams(): void {}
export function withKwargs(out: SharedInt32, n: number, kwargs: { c: number }): void {
  out.value = n + kwargs.c;
}
export function optionalKwargs(n: number, kwargs?: { c: number }): number {
  return n + (kwargs?.c ?? 0);
}
export function scalarLast(a: number, b: number): number {
  return a + b;
}
export function takesUnknown(value: unknown): unknown {
  return value;
}
export function overloaded(s: string, out: Queue<string>): void;
export function overloaded(a: number, b: number, out: Queue<string>): void;
export function overloaded(a: unknown, b: unknown, out?: Queue<string>): void {
  (out ?? (b as Queue<string>)).put(typeof a === "string" ? a : `${a}+${b}`);
}
export function identity<T>(x: T): T {
  return x;
}
// deno-lint-ignore no-explicit-any
export function untyped(...args: any[]): number {
  return args.length;
}
// deno-lint-ignore no-explicit-any
export function anyParams(a: any, b: any): unknown {
  return [a, b];
}
export function restNumbers(label: string, ...rest: number[]): string {
  return `${label}${rest.join()}`;
}
export function mode(m: "fast" | "slow"): string {
  return m;
}

/** A subclass: no target, its own fields. */
export class Worker2 extends Thread {
  constructor(readonly n: number) {
    super({ name: `w${n}`, daemon: true });
  }
  override run(): number {
    return this.n;
  }
}

/** A generic caller: `args` of the target's own parameter list `T`. */
export function spawn<T extends unknown[]>(fn: (...a: T) => unknown, args: T): Thread {
  return new Thread({ target: fn, args });
}
/** A generic caller: `args` as `Parameters<F>`. */
export function spawnTyped<F extends (...a: never[]) => unknown>(
  fn: F,
  args: Parameters<F>,
): Thread {
  return new Thread({ target: fn, args, daemon: true });
}
/** A generic caller: rest arguments. */
export function spawnRest<T extends unknown[]>(fn: (...a: T) => unknown, ...args: T) {
  return new Thread({ target: fn, args });
}
/** Options passed on as `ThreadOptions`. */
export function spawnOptions(options: ThreadOptions): Thread {
  return new Thread({ ...options, daemon: true });
}

/** A subclass with a target of its own: checked when it extends `Thread<typeof work>`. */
export class WorkThread extends Thread<typeof work> {
  constructor(n: number) {
    super({ target: work, args: [n, "w"] });
  }
}
export class WrongWorkThread extends Thread<typeof work> {
  constructor(n: number) {
    // @ts-expect-error a subclass of Thread<typeof work>: the string is missing
    super({ target: work, args: [n] });
  }
}

function argumentTypes(counter: SharedInt32, out: Queue<string>): unknown[] {
  const pair: readonly [number, string] = [1, "a"];
  const asConst = [2, "b"] as const;
  const loose: unknown[] = [1, "a"];
  const plain: ThreadOptions = { target: work, args: [1, "a"], name: "p", daemon: false };
  const accepted = [
    // Accepted: the exact parameters, written in place, a readonly tuple, `as const`.
    new Thread({ target: work, args: [1, "a"] }),
    new Thread({ target: work, args: pair }),
    new Thread({ target: work, args: asConst }),
    // An optional parameter may be left out.
    new Thread({ target: withOptional, args: [1] }),
    new Thread({ target: withOptional, args: [1, "x"] }),
    // `args` may be left out when the target needs none.
    new Thread({ target: noParams }),
    new Thread({ target: noParams, args: [] }),
    new Thread({ target: withOptional.length ? noParams : noParams, name: "n" }),
    // kwargs: the last parameter, when it takes an object.
    new Thread({ target: withKwargs, args: [counter, 1], kwargs: { c: 2 } }),
    new Thread({ target: optionalKwargs, args: [1], kwargs: { c: 2 } }),
    new Thread({ target: optionalKwargs, args: [1] }),
    new Thread({ target: takesUnknown, kwargs: { value: 1 } }),
    new Thread({ target: takesUnknown, args: [1] }),
    // Every overload is tried (TypeScript shows the last 8).
    new Thread({ target: overloaded, args: ["s", out] }),
    new Thread({ target: overloaded, args: [1, 2, out] }),
    // A generic target takes what its constraint takes.
    new Thread({ target: identity, args: [{ any: "thing" }] }),
    // An untyped target takes anything; `any` parameters take any value.
    new Thread({ target: untyped, args: [1, "a", null] }),
    new Thread({ target: untyped, args: [], kwargs: { x: 1 } }),
    new Thread({ target: anyParams, args: [Symbol("a"), {}] }),
    // A rest parameter: any number of its items.
    new Thread({ target: restNumbers, args: ["a"] }),
    new Thread({ target: restNumbers, args: ["a", 1, 2, 3] }),
    // A literal type is kept by the contextual type.
    new Thread({ target: mode, args: ["fast"] }),
    // An array of any length is not checked (its items are not known).
    new Thread({ target: work, args: loose }),
    // A target cast to `never` (the tests' way to pass a wrong one) is not checked.
    new Thread({ target: 5 as never, args: [1] }),
    // Options typed as `ThreadOptions` (no type arguments: any target).
    new Thread(plain),
    new Thread({ ...plain, module: import.meta.url }),
    // No options, a subclass, a Timer.
    new Thread(),
    new Thread({ name: 3, daemon: true, group: null }),
    new Worker2(1),
    new WorkThread(1),
    new Timer(10, work, [1, "a"]),
    // Generic callers.
    spawn(work, [1, "a"]),
    spawnTyped(work, [1, "a"]),
    spawnRest(work, 1, "a"),
    spawnOptions({ target: work, args: [1, "a"] }),
  ];
  // A typed Thread is a `Thread`.
  const annotated: Thread = new Thread({ target: work, args: [1, "a"] });
  const all: Thread[] = [annotated, ...accepted];

  const refused = [
    // @ts-expect-error too few: the string is missing
    new Thread({ target: work, args: [1] }),
    // @ts-expect-error too many: work takes two
    new Thread({ target: work, args: [1, "a", 2] }),
    // @ts-expect-error wrong types: a string where the number goes
    new Thread({ target: work, args: ["a", 1] }),
    // @ts-expect-error args left out, but work needs two
    new Thread({ target: work }),
    // @ts-expect-error args left out, but work needs two (with a name and daemon flag)
    new Thread({ target: work, name: "w", daemon: true }),
    // @ts-expect-error a readonly tuple of the wrong types
    new Thread({ target: work, args: ["a", 1] as const }),
    // @ts-expect-error too many for an optional parameter
    new Thread({ target: withOptional, args: [1, "x", 3] }),
    // @ts-expect-error noParams takes no argument
    new Thread({ target: noParams, args: [1] }),
    // @ts-expect-error kwargs of the wrong shape
    new Thread({ target: withKwargs, args: [counter, 1], kwargs: { c: "2" } }),
    // @ts-expect-error the kwargs missing: its object is the last parameter
    new Thread({ target: withKwargs, args: [counter, 1] }),
    // @ts-expect-error kwargs given, and its object in args too: one too many
    new Thread({ target: withKwargs, args: [counter, 1, { c: 2 }], kwargs: { c: 2 } }),
    // @ts-expect-error kwargs for a target whose last parameter is a number
    new Thread({ target: scalarLast, args: [1], kwargs: { b: 2 } }),
    // @ts-expect-error kwargs for a target that takes nothing
    new Thread({ target: noParams, kwargs: { x: 1 } }),
    // @ts-expect-error fits no overload: (string, Queue) or (number, number, Queue)
    new Thread({ target: overloaded, args: [1, out] }),
    // @ts-expect-error a rest parameter's items are checked
    new Thread({ target: restNumbers, args: ["a", 1, "b"] }),
    // @ts-expect-error not one of the literal types
    new Thread({ target: mode, args: ["medium"] }),
  ];
  return [...all, ...refused];
}
void argumentTypes;

Deno.test("typed args reach the target: an overloaded target (its first overload) and kwargs as the last parameter", async () => {
  const out = new Queue<string>();
  const counter = new SharedInt32(0);
  const first = new Thread({ target: overloaded, args: ["first overload", out] });
  const second = new Thread({ target: overloaded, args: [1, 2, out] as const });
  const kw = new Thread({ target: withKwargs, args: [counter, 40], kwargs: { c: 2 } });
  for (const t of [first, second, kw]) {
    t.start();
    await t.joinAsync();
  }
  assert.deepEqual([out.get(), out.get()].sort(), ["1+2", "first overload"]);
  assert.equal(counter.value, 42);
});
