// Copyright the threading for Deno authors. MIT license.
// kwargs whose keys name the target's parameters (the literal port of Python's
// `Thread(target=f, kwargs={...})`) are refused at construction, with the args to
// write; kwargs for a target whose last parameter takes the object are not.
import assert from "node:assert/strict";
import { Thread } from "../src/thread.ts";
import { Timer } from "../src/timer.ts";
import { parameterNames } from "../src/_kwargs.ts";

export function f(n: number, label = "x"): string {
  return `${n} ${label}`;
}

export function worker(num: number, kwargs?: { greeting: string }): string {
  return `${kwargs?.greeting ?? "Worker"} ${num}`;
}

export function pick(n: number, { label }: { label: string }): string {
  return `${n} ${label}`;
}

export const arrow = (a: number, b = "(,)", ...rest: unknown[]) => [a, b, rest];

Deno.test("kwargs that name the target's parameters are a TypeError at construction, with the args to write", () => {
  assert.throws(
    () => new Thread({ target: f, kwargs: { n: 3, label: "y" } } as never),
    {
      name: "TypeError",
      message:
        'Cannot create Thread: kwargs names `n` and `label`, parameters of f(n, label); JavaScript has no keyword arguments: kwargs is passed as one more, last argument (f(...args, kwargs)), so n would be the whole kwargs object; pass the values by position: `args: [3, "y"]` (kwargs is for a target whose last parameter takes one object, as `function f(n, options) {…}` with `kwargs: { label: "y" }`)',
    },
  );
  // Some by position, one by name.
  assert.throws(
    () => new Thread({ target: f, args: [3], kwargs: { label: "y" } } as never),
    {
      name: "TypeError",
      message:
        /kwargs names `label`, a parameter of f\(n, label\);.*so label would be the whole kwargs object; .*`args: \[3, "y"\]`/,
    },
  );
  // A value that is not short is named, not printed.
  assert.throws(
    () => new Thread({ target: f, kwargs: { n: 3, label: "y".repeat(50) } } as never),
    { name: "TypeError", message: /`args: \[3, kwargs\.label\]`/ },
  );
  assert.throws(
    () => new Timer(10, f, [] as never, { n: 3 } as never),
    { name: "TypeError", message: /^Cannot create Timer: kwargs names `n`/ },
  );
});

Deno.test("kwargs for a last parameter that takes the object, or keys that name no parameter, are accepted", () => {
  new Thread({ target: worker, args: [1], kwargs: { greeting: "Hi" } });
  new Thread({ target: pick, args: [1], kwargs: { label: "y" } });
  new Thread({ target: f, args: [1, "y"] });
  // A key that names a parameter given by position: data of the kwargs object.
  new Thread({ target: worker, args: [1], kwargs: { num: 2, greeting: "Hi" } } as never);
  new Thread({ target: Math.max as never, kwargs: { n: 1 } as never });
});

Deno.test("parameterNames(): identifiers, defaults with commas and parentheses, rest and patterns named undefined", () => {
  assert.deepEqual(parameterNames(f), ["n", "label"]);
  assert.deepEqual(parameterNames(pick), ["n", undefined]);
  assert.deepEqual(parameterNames(arrow), ["a", "b", undefined]);
  assert.deepEqual(parameterNames((x: number) => x), ["x"]);
  // deno-lint-ignore no-explicit-any
  assert.deepEqual(parameterNames(((y: any) => y) as never), ["y"]);
  assert.equal(parameterNames(Math.max), undefined);
  assert.deepEqual(
    parameterNames(
      {
        m(a: number, b = { c: [1, 2] }) {
          return [a, b];
        },
      }.m,
    ),
    ["a", "b"],
  );
});
