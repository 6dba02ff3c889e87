// Copyright the threading for Deno authors. MIT license.
/**
 * The syntax a user writes on a shared value that its methods do not cover: `list[i]`,
 * `list[i] = v`, `doc.key = v`, `cell.vlaue = 1`. Without this, each of them makes or
 * reads a plain property of the local object, which no other thread sees: a silent
 * wrong result. Here each one either works on the shared data (a `SharedList`'s index
 * reads and writes) or throws a `TypeError` that names the class and what to call.
 *
 * ## How: a Proxy in the prototype chain, not around the instance
 *
 * {@linkcode guardPrototype} puts a `Proxy` between a class's prototype and
 * `Object.prototype`. A property found on the instance or on the class's prototype
 * (every method, `length`, `value`) never reaches it, so methods cost what they did; a
 * property found nowhere else (`list[0]`, a new property) reaches its traps with the
 * instance as the receiver. Measured on `SharedList` (medians of 5 alternated runs, load
 * 0.6-0.7): a Proxy around the instance made `push`+`pop` 1,250 -> 1,610 ns, `at` 94 ->
 * 205 ns and `length` 23 -> 130 ns; this one left them 1,220 ns, 94 ns and 23 ns.
 *
 * What it cannot see, because the language asks only the instance: `delete list[0]`
 * (a no-op that returns `true`; TypeScript lets it pass too), and `Object.keys`,
 * `Object.entries`, `{...list}` (no own keys). `has` gets no receiver, so `i in list`
 * cannot answer from the list: it throws for an index-like key. `for...in` asks the
 * chain's `ownKeys` without a receiver too, and so do the walks over a class's
 * prototype chain (`Object.getOwnPropertyNames` of each prototype: the codec's and
 * `_reference.ts`'s, a mixin's, a test double's); a throwing `ownKeys` broke them, so it
 * is an ordinary object's and `for...in` sees no item. The conversions (`+cell`, `${list}`) would look up
 * `Symbol.toPrimitive` through the Proxy at each use (`+cell` 300 -> 920 ns): the
 * prototype holds it, `undefined`, as an ordinary object's chain would give it.
 *
 * | key reaching a trap | `get` | `set` | `has` |
 * | --- | --- | --- | --- |
 * | any key, the receiver not an instance (the prototype itself) | as an ordinary object | as an ordinary object | as the rows below (`has` gets no receiver) |
 * | symbol, or a property of `Object.prototype` | as an ordinary object | as an ordinary object | as an ordinary object |
 * | index-like (`"0"`, `"-1"`, `"1.5"`, `"NaN"`: `ToString(ToNumber(key)) === key`) | `index` hook, else as an ordinary object | `index` hook, else refused | refused if the guard has an `index` hook |
 * | any other string | `read` hook, else `undefined` | refused (`TypeError`) | as an ordinary object |
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";

/** What a guarded class does with the keys that reach its prototype's Proxy. */
export interface Guard {
  /** The class name, for the messages. */
  name: string;
  /** What to use instead of a new property (ends the refusal's message). */
  instead: string;
  /** Whether `receiver` is an instance (a brand check: `#field in receiver`). */
  owns(receiver: object): boolean;
  /** Reads and writes an index-like key (a `SharedList`'s items). */
  index?: {
    get(receiver: object, index: number): unknown;
    set(receiver: object, index: number, value: unknown): void;
    /** How to test an index or an item (ends the message of a refused `in`). */
    test: string;
  };
  /** Reads any other string key missing from the class; `undefined` if it has none. */
  read?(receiver: object, key: string): unknown;
}

/** The number an index-like key stands for, else `undefined` (a canonical numeric string). */
export function indexKey(key: string | symbol): number | undefined {
  if (typeof key !== "string") return undefined;
  const n = Number(key);
  return String(n) === key || key === "-0" ? n : undefined;
}

/** How to write a read of `key` after an expression: `.name`, `[0]`, `["a b"]`. */
export function member(key: string): string {
  if (indexKey(key) !== undefined) return `[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Puts a Proxy between `proto` (a class's prototype, whose own prototype is
 * `Object.prototype`) and `Object.prototype`, with the traps `guard` asks for (see the
 * module doc). `instanceof Object` and every inherited method keep working.
 */
export function guardPrototype(proto: object, guard: Guard): void {
  const base = Object.create(Object.getPrototypeOf(proto)) as object;
  const plain = (key: string | symbol) => typeof key === "symbol" || key in base;
  /** The error with its stack from the user's line (the trap's caller) up. */
  const fromCaller = (error: unknown, trap: (...args: never[]) => unknown): unknown => {
    if (error instanceof Error) Error.captureStackTrace(error, trap);
    return error;
  };
  const handler: ProxyHandler<object> = {
    get: function get(target, key, receiver) {
      if (plain(key) || !guard.owns(receiver)) return Reflect.get(target, key, receiver);
      try {
        const i = indexKey(key);
        if (i !== undefined && guard.index) return guard.index.get(receiver, i);
        return guard.read?.(receiver, key as string);
      } catch (error) {
        throw fromCaller(error, get);
      }
    },
    set: function set(target, key, value, receiver) {
      if (plain(key) || !guard.owns(receiver)) {
        return Reflect.set(target, key, value, receiver);
      }
      const i = indexKey(key);
      if (i !== undefined && guard.index) {
        try {
          guard.index.set(receiver, i, value);
        } catch (error) {
          throw fromCaller(error, set);
        }
        return true;
      }
      throw fromCaller(
        new TypeError(
          `Cannot add property ${
            JSON.stringify(key)
          } to a ${guard.name}: it would stay on this thread's object, unshared (no other thread would see it); ${guard.instead}`,
        ),
        set,
      );
    },
    has: function has(target, key) {
      if (guard.index && indexKey(key) !== undefined) {
        throw fromCaller(
          new TypeError(
            `Cannot test ${
              String(key)
            } in a ${guard.name}: \`in\` tests properties, and its items are not properties; ${guard.index.test}`,
          ),
          has,
        );
      }
      return Reflect.has(target, key);
    },
  };
  // `+cell` and `${list}` look this up at each use: found on `proto`, it never reaches
  // the Proxy (see the module doc); the conversion is unchanged (`valueOf`, `toString`).
  if (!(Symbol.toPrimitive in proto)) {
    Object.defineProperty(proto, Symbol.toPrimitive, {
      value: undefined,
      configurable: true,
    });
  }
  Object.setPrototypeOf(proto, new Proxy(base, handler));
}
