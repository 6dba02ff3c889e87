// Copyright the threading for Deno authors. MIT license.
/**
 * Frozen copies of the kinds that `Object.freeze` leaves changeable: a `Map`, a `Set`
 * and a `Date` keep their data in internal slots, which `Object.freeze` does not touch,
 * so `map.set(k, v)` on a frozen Map still changes it. {@linkcode freezeCopy} makes the
 * mutators of such a copy throw, as a change to a frozen array or object does (see
 * "Copies" in `_codec.ts`):
 *
 * | kind | methods that throw a `TypeError` | what still works as before |
 * | --- | --- | --- |
 * | `Map` | `set`, `delete`, `clear` | `instanceof Map`, `constructor`, `size`, `get`, `has`, `forEach`, `keys`/`values`/`entries`, iteration and spread, `new Map(m)`, `structuredClone` (a plain, changeable Map), `JSON.stringify`, what `console.log` prints |
 * | `Set` | `add`, `delete`, `clear` | the same, for a Set (and the set methods `union` ... `isSubsetOf`, which make new sets) |
 * | `Date` | every `set*` of `Date.prototype` (`setFullYear` ... `setTime`, `setUTC*`, `setYear`) | every getter, `toISOString`, `toJSON`, `String(d)`, comparisons, what `console.log` prints |
 *
 * How: the copy's prototype becomes one made once per thread and kind, an object that
 * inherits from `Map.prototype` (`Set.prototype`, `Date.prototype`) and whose own
 * non-writable, non-configurable properties shadow the mutators with functions that
 * throw; then the copy is frozen. One `Object.setPrototypeOf` and one `Object.freeze`
 * per object: 0.6 to 1.9 µs a Map (measured at a load of 28 on 2 cores; own properties
 * on each copy, the other choice measured, cost 7.6 to 9.3 µs). The builtins read the
 * internal slots whatever the prototype: `get`, iteration, spread and `new Map(m)` of a
 * 1,000-entry Map measured as fast as before (within the noise).
 * `Map.prototype.set.call(copy, k, v)` goes around it: only a deliberate call does that.
 *
 * Not frozen, and why (the README says it in "Copies are not silent"):
 *
 * - typed arrays, `DataView`s and `ArrayBuffer`s: V8 refuses to freeze a typed array
 *   with elements ("Cannot freeze array buffer views with elements"; JavaScriptCore as
 *   well), no view of an `ArrayBuffer` is read-only (V8's immutable `ArrayBuffer`,
 *   `transferToImmutable()`, is behind the `--js-immutable-arraybuffer` flag in V8 15.0,
 *   Deno 2.9, and absent from Node 22 and Bun 1.4), and a `Proxy` of a typed array is
 *   not a typed array to the builtins (`proxy.fill(0)`, `proxy.subarray(1)` throw
 *   "this is not a typed array"); a typed array over a `SharedArrayBuffer` is shared,
 *   not copied, which is what to use for results;
 * - a `RegExp`: its `lastIndex` is the reader's state (`exec`, and `match` with the `g`
 *   flag, move it), so a frozen global regexp could not be used to read, and a regexp
 *   of another prototype leaves V8's fast paths.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { COPY_WHY } from "./_codec_errors.ts";

/** The methods that change each kind, and what to do instead (the end of the message). */
const KINDS = {
  Map: {
    proto: Map.prototype,
    mutators: ["set", "delete", "clear"],
    advice:
      "keep a map that threads change in a SharedJSON (an object keyed by the map's keys: `counts.update((c) => { c[word] = (c[word] ?? 0) + 1; })`), or put the updates on a Queue for one thread to apply, or change a copy of your own (new Map(map))",
  },
  Set: {
    proto: Set.prototype,
    mutators: ["add", "delete", "clear"],
    advice:
      "keep a set that threads change in a SharedJSON (an object with a key per item) or a SharedList, or put the updates on a Queue for one thread to apply, or change a copy of your own (new Set(set))",
  },
  Date: {
    proto: Date.prototype,
    mutators: Object.getOwnPropertyNames(Date.prototype).filter((name) =>
      name.startsWith("set")
    ),
    advice:
      "give a changed date back through a SharedFloat64 of its time (date.getTime()) or a Queue, or change a copy of your own (new Date(date))",
  },
} as const;

type Kind = keyof typeof KINDS;

/** The message of the `TypeError` that a mutator of a frozen copy throws. */
export function frozenCopyMessage(kind: Kind, method: string): string {
  return `Cannot call ${method}() on a ${kind} that came from another thread: it is a frozen copy (${COPY_WHY}); ${
    KINDS[kind].advice
  }`;
}

/** The prototype of each kind's frozen copies, made on first use. */
const protos = new Map<Kind, object>();

function frozenProto(kind: Kind): object {
  const made = protos.get(kind);
  if (made !== undefined) return made;
  const { proto: base, mutators } = KINDS[kind];
  const shadows: PropertyDescriptorMap = {};
  for (const method of mutators) {
    // Named as the method it shadows, so that a stack says `Map.set` as before.
    const refuse = {
      [method](): never {
        const error = new TypeError(frozenCopyMessage(kind, method));
        // The user's call first, not this function.
        Error.captureStackTrace?.(error, refuse);
        throw error;
      },
    }[method];
    shadows[method] = {
      value: refuse,
      writable: false,
      enumerable: false,
      configurable: false,
    };
  }
  const proto: object = Object.freeze(Object.create(base, shadows));
  protos.set(kind, proto);
  return proto;
}

/**
 * Freezes a received copy: a `Map`, `Set` or `Date` gets the prototype whose mutators
 * throw (see the module doc), then every object `Object.freeze`; an array or a plain
 * object is only frozen (its elements are the caller's to freeze).
 *
 * @throws {TypeError} For a typed array with elements (V8 cannot freeze it): callers
 * pass no views.
 */
export function freezeCopy<T extends object>(value: T): T {
  if (value instanceof Map) {
    if (Object.getPrototypeOf(value) === Map.prototype) {
      Object.setPrototypeOf(value, frozenProto("Map"));
    }
  } else if (value instanceof Set) {
    if (Object.getPrototypeOf(value) === Set.prototype) {
      Object.setPrototypeOf(value, frozenProto("Set"));
    }
  } else if (value instanceof Date) {
    if (Object.getPrototypeOf(value) === Date.prototype) {
      Object.setPrototypeOf(value, frozenProto("Date"));
    }
  }
  return Object.freeze(value);
}
