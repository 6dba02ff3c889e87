// Copyright the threading for Deno authors. MIT license.
/**
 * What the codec (`_codec.ts`) may copy, and how its refusals name the place: values
 * no copy can carry (promises, weak collections), instances whose class has methods or
 * accessors (a copy would lose them), the classes structured clone copies as they are,
 * and the path of a value inside the root (`args[0].pool`) for error messages.
 *
 * @module
 */

/** Whether a value is a promise or a weak collection, which no copy can carry. */
export function cannotCopy(value: object): boolean {
  return value instanceof Promise || value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef;
}

const methodsCache = new WeakMap<object, boolean>();

/**
 * Whether a prototype chain (below `Object.prototype`) has methods or accessors: an
 * instance of such a class loses them when copied, so copying it is refused.
 */
export function hasMethods(proto: object | null): boolean {
  if (proto === null) return false;
  const cached = methodsCache.get(proto);
  if (cached !== undefined) return cached;
  let found = false;
  for (let p: object | null = proto; p !== null && p !== Object.prototype;) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (d && (typeof d.value === "function" || d.get || d.set)) found = true;
    }
    if (found) break;
    p = Object.getPrototypeOf(p);
  }
  methodsCache.set(proto, found);
  return found;
}

/**
 * Classes whose instances the codec's bytes (V8's serializer, as the runtime's own core
 * exposes it, without the host's hooks) copy as they are, no methods lost, and that
 * every thread can read back. Not `Blob`/`File`: their bytes live in the sending
 * thread's blob store, and the receiver cannot read them ("could not deserialize
 * value"): refused with advice by {@linkcode builtinAdvice}.
 */
export const PASS_THROUGH: ReadonlyArray<abstract new (...args: never[]) => unknown> = [
  Date,
  RegExp,
  Boolean,
  Number,
  String,
];

/** What to pass instead of an object of a built-in class, by class name. */
const BUILTIN_ADVICE: Record<string, string> = {
  URL: "pass its text, `url.href`, and make `new URL(href)` in the thread",
  URLSearchParams:
    "pass its text, `params.toString()`, and make `new URLSearchParams(text)` in the thread",
  Headers:
    "pass its entries, `[...headers]`, and make `new Headers(entries)` in the thread",
  FormData:
    "pass its entries, `[...formData]` (their values strings, or the bytes of a file)",
  Request:
    "pass what it holds (`request.url`, `request.method`, `[...request.headers]`, the body as `await request.text()` or `await request.bytes()`) and make a new Request in the thread",
  Response:
    "pass what it holds (`response.status`, `[...response.headers]`, the body as `await response.text()` or `await response.bytes()`) and make a new Response in the thread",
  Blob:
    "pass its bytes, `await blob.bytes()` (a Uint8Array; its `type` too), and make `new Blob([bytes], { type })` in the thread",
  File:
    "pass its bytes, `await file.bytes()` (a Uint8Array; its `name` and `type` too), and make `new File([bytes], name, { type })` in the thread",
  AbortController:
    "to cancel work in another thread, share an Event of this library (the thread checks `event.isSet()`, or waits on it) and set it where you would call `abort()`",
  AbortSignal:
    "to cancel work in another thread, share an Event of this library (the thread checks `event.isSet()`, or waits on it) and set it where the signal would abort",
  TextEncoder: "make a new one in the thread (`new TextEncoder()`)",
  TextDecoder:
    "make a new one in the thread with the same encoding (`new TextDecoder(decoder.encoding)`)",
  MessagePort: "threads talk through a Queue of this library: pass a Queue",
  MessageChannel: "threads talk through a Queue of this library: pass a Queue",
  BroadcastChannel: "threads talk through a Queue of this library: pass a Queue",
  ReadableStream:
    "read it in this thread and pass the data, or pass its chunks through a Queue",
  WritableStream:
    "pass the data through a Queue and write it in the thread that holds the stream",
  TransformStream: "pass its chunks through a Queue",
  CryptoKey:
    'export it (`await crypto.subtle.exportKey("jwk", key)`, for an extractable key) and import it in the thread (`crypto.subtle.importKey`)',
  Module:
    "pass its bytes (the .wasm file's) and compile them in the thread (`new WebAssembly.Module(bytes)`)",
  Event: "pass the data it holds (`event.type`, and `event.detail` of a CustomEvent)",
  CustomEvent: "pass the data it holds (`event.type`, `event.detail`)",
};

/** Namespaces of the runtime whose classes are built-in too. */
const BUILTIN_NAMESPACES = ["Intl", "WebAssembly", "Temporal"];

/**
 * For an object of a built-in class of the runtime (a global class: `URL`, `Headers`,
 * `Blob`, `AbortController`, ..., or one of `Intl`, `WebAssembly`, `Temporal`), which no
 * user code can make extend `Shareable`: the class's name as written, and what to pass
 * instead (the data it holds, made into a new one in the thread).
 *
 * @returns undefined for any other object (a user's class).
 */
export function builtinAdvice(
  value: object,
): { name: string; advice: string } | undefined {
  const ctor = (value as { constructor?: unknown }).constructor;
  if (typeof ctor !== "function" || ctor.name === "") return undefined;
  // deno-lint-ignore no-explicit-any
  const scope = globalThis as any;
  let name: string | undefined;
  if (scope[ctor.name] === ctor) name = ctor.name;
  else {
    for (const ns of BUILTIN_NAMESPACES) {
      if (scope[ns]?.[ctor.name] === ctor) name = `${ns}.${ctor.name}`;
    }
  }
  if (name === undefined) return undefined;
  const advice = BUILTIN_ADVICE[ctor.name] ??
    (name.startsWith("Intl.")
      ? `make a new one in the thread with the same options (\`${name}(locales, options)\`; \`resolvedOptions()\` tells them)`
      : name.startsWith("Temporal.")
      ? `pass its text (\`toString()\`) and make it again in the thread (\`${name}.from(text)\`)`
      : `pass the data it holds (a string, or a plain object of its fields) and make a new ${name} in the thread`);
  return { name, advice };
}

/** A step of a path: a key, an index, or a text to append as it is (it starts with " "). */
export type PathKey = string | number;

/** Where a value stands, for messages: `root` and `keys` as `args[0].pool`. */
export function pathOf(
  root: string,
  keys: readonly PathKey[],
  names?: Record<string, string>,
) {
  let out = root;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key === "number") out += `[${key}]`;
    else if (key.startsWith(" ")) out += key;
    else if (out === "") out = i === 0 && names?.[key] !== undefined ? names[key] : key;
    else out += `.${key}`;
  }
  return out || "the value";
}

/** An array index as `Object.keys` lists it (`"0"`, `"17"`, not `"01"` or `"-1"`). */
const INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * The first own enumerable key that a copy would lose: of an array, a key that is not an
 * index (`a.label = "x"`); of a `Map`, `Set`, `Date` or `RegExp`, any key; of any of
 * these or of a plain object, a symbol key. Structured clone keeps an array's extra keys
 * but drops the others; the codec refuses them all rather than lose one silently.
 *
 * Costs one `Object.keys` for an array or a collection (V8 lists the indices first, so
 * the last key tells), one `Object.getOwnPropertySymbols` for a plain object.
 *
 * @param kind `"array"`, `"object"` (a plain object: only symbol keys count) or
 * `"other"` (every key counts).
 * @returns The key, or `undefined` if the copy keeps everything.
 */
export function lostKey(
  value: object,
  kind: "array" | "object" | "other",
): string | symbol | undefined {
  if (kind !== "object") {
    const keys = Object.keys(value);
    if (kind === "other") {
      if (keys.length > 0) return keys[0];
    } else if (
      keys.length > 0 &&
      // The common case, no holes and no extra key: the last key is the last index.
      !(keys.length === (value as unknown[]).length &&
        keys[keys.length - 1] === String(keys.length - 1)) &&
      !INDEX.test(keys[keys.length - 1])
    ) {
      let first = keys.length - 1;
      while (first > 0 && !INDEX.test(keys[first - 1])) first--;
      return keys[first];
    }
  }
  const symbols = Object.getOwnPropertySymbols(value);
  for (let i = 0; i < symbols.length; i++) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbols[i])) return symbols[i];
  }
  return undefined;
}
