// Copyright the threading for Deno authors. MIT license.
/**
 * A thread's changes to its Worker's global state end with it. A Worker runs one thread
 * after another (`_worker.ts`), so what a thread leaves in `globalThis`, in `console`,
 * or as an event listener would otherwise be seen by the next thread of the same
 * Worker: a property it set, a `console.log` it replaced, an `unhandledrejection`
 * listener that would catch the next thread's rejection. CPython threads share one
 * interpreter, but each of our threads is a program of its own, and which threads share
 * a Worker depends on timing: so nothing a thread did to the global state may reach the
 * next one.
 *
 * The Worker keeps a **baseline**: the global state as it stands when a thread's code
 * has loaded, just before its `run()` ({@linkcode beginThreadGlobals}). What the
 * thread's modules did while they were evaluated belongs to them (module state, kept
 * as their `let`s are: a module is evaluated once per Worker), so a load that evaluated
 * modules adopts their changes into the baseline. When the thread has ended
 * ({@linkcode endThreadGlobals}, after its end-of-task turn, before the Worker takes the
 * next job), every difference from the baseline is undone:
 *
 * | what the thread did | undone how |
 * | --- | --- |
 * | added an enumerable property to `globalThis` (`globalThis.x = ...`) | deleted |
 * | replaced or deleted an enumerable data property of `globalThis` (`fetch`, `queueMicrotask`...), or a function of lower-case name (`parseInt`, `queueMicrotask` once Deno has made it non-enumerable) | its old descriptor put back |
 * | assigned a lazy built-in of `globalThis` (`setTimeout`, `Request`...: accessors) | its old descriptor put back (their setters are wrapped, once per Worker, to note it) |
 * | set `onerror`, `onunhandledrejection`, `onmessage` (event handler attributes) | the old handler set back |
 * | replaced or deleted a property of `console` (`console.log = ...`) | every property of `console` put back |
 * | `addEventListener(type, fn)` on `globalThis` (`unhandledrejection`, `error`, `unload`...) | removed |
 * | `process.on(event, fn)` (`unhandledRejection`, `exit`...) | removed; a listener it removed is added back |
 *
 * Not undone (documented in the README): a module's own state; a property added to
 * `globalThis` with `Object.defineProperty` as non-enumerable, or a non-enumerable
 * built-in (`Array`, `Math`, `Deno`, `Temporal`) replaced, deleted or made enumerable;
 * a property added to `console`;
 * a property keyed by a registered symbol (`Symbol.for(...)`: the way libraries keep one
 * state per isolate, LogTape's root logger among them); changes inside built-in
 * objects other than `console` (`Array.prototype.x = ...`, `Math.random = ...`); and global
 * changes made by a module that a thread imports with `await import()` during its
 * `run()` (they are undone, but the module is not evaluated again: import it
 * statically).
 *
 * Cost, per thread, on the test machine under load (7-9): 16 µs (listing
 * `globalThis`'s enumerable keys is most of it: the global object's keyed reads and
 * listings are runtime calls; a full descriptor snapshot costs 80-200 µs, so it is
 * taken once per Worker, and again only after a load that changed something). Memory,
 * per Worker: about 0.1 MB of a thread's RSS (the kept descriptors of the enumerable
 * globals and the accessors, the wrapped setters, and the garbage of one pass over the
 * ~210 globals, which a Worker asleep in `Atomics.wait` never collects); the baseline
 * never reads `globalThis.Temporal`, whose first read makes V8 build the namespace
 * (170 KB of heap: 0.36 MB a thread before).
 *
 * @module
 */
import process from "node:process";

type Key = string | symbol;
type Listener = (...args: unknown[]) => unknown;

const g = globalThis as unknown as Record<Key, unknown>;

/** The baseline's own keys of `globalThis` (names only: see {@linkcode descs}). */
let ownKeys: Key[] = [];
/**
 * The baseline's descriptors of the properties of `globalThis` that a thread's change
 * to is undone: its enumerable properties and its accessors. The non-enumerable data
 * properties (the built-in classes and namespaces, about 110) are kept by name only
 * ({@linkcode ownKeys}): a change to one is not undone (see the module doc).
 */
let descs = new Map<Key, PropertyDescriptor>();
/** The baseline's enumerable keys of `globalThis`, in order. */
let enumKeys: string[] = [];
/**
 * The baseline's data properties of `globalThis` that are compared, and their values:
 * the enumerable ones, and the non-enumerable functions of lower-case name.
 */
let enumDataKeys: string[] = [];
let enumDataValues: unknown[] = [];
/** The baseline's values of the event handler attributes (`onerror`...). */
const handlerValues = new Map<Key, unknown>();
/** The baseline of `console`: its own data properties and their values; descriptors. */
let consoleKeys: Key[] = [];
let consoleValues: unknown[] = [];
let consoleDescs = new Map<Key, PropertyDescriptor>();
/** The baseline of `process`'s listeners, by event. */
let processListeners = new Map<Key, Listener[]>();
/** Accessors of `globalThis` assigned since the last comparison. */
const dirty = new Set<Key>();
/** Listeners added on `globalThis` by the running thread: type, listener, options. */
const added: Array<[string, unknown, unknown]> = [];
let recording = false;
let initialized = false;
let removeListener: ((type: string, fn: unknown, options?: unknown) => void) | undefined;

/** Whether a key is exempt (a registered symbol: a library's state per isolate). */
function exempt(key: Key): boolean {
  return typeof key === "symbol" && Symbol.keyFor(key) !== undefined;
}

/**
 * Whether a key of `globalThis` is never read: V8 builds the `Temporal` namespace (its
 * classes and their methods) at the first read of its property, descriptor included,
 * which cost a Worker 170 KB of heap for a namespace its threads may never use. As any
 * non-enumerable built-in, a change to it is not undone.
 */
function unread(key: Key): boolean {
  return key === "Temporal";
}

/** Whether an accessor is an event handler attribute (`onerror`...). */
function isHandler(key: Key): boolean {
  return typeof key === "string" && key.startsWith("on");
}

/** Whether the setters of `globalThis`'s accessors are wrapped (on Deno only). */
let wrapSetters = false;

/**
 * The accessor of `globalThis` at `key` with its setter wrapped to note its assignment
 * (defined in its place), or `desc` itself when it cannot be. On Deno only (its lazy
 * built-ins are plain accessors; Node's and Bun's globals are left as they are, and an
 * assignment to one of their accessors is not undone).
 */
function wrapSetter(key: Key, desc: PropertyDescriptor): PropertyDescriptor {
  const set = desc.set;
  if (set === undefined || !desc.configurable) return desc;
  const wrapped: PropertyDescriptor = {
    get: desc.get,
    set(this: unknown, value: unknown) {
      dirty.add(key);
      set.call(this, value);
    },
    enumerable: desc.enumerable,
    configurable: true,
  };
  try {
    Object.defineProperty(g, key, wrapped);
    return wrapped;
  } catch {
    return desc; // Left as it is: its assignment is not noted.
  }
}

/** Wraps `addEventListener`/`removeEventListener` of `globalThis` to record a thread's. */
function wrapListeners(): void {
  const add = g.addEventListener as ((...a: unknown[]) => void) | undefined;
  const remove = g.removeEventListener as ((...a: unknown[]) => void) | undefined;
  if (typeof add !== "function" || typeof remove !== "function") return;
  removeListener = (type, fn, options) => remove.call(globalThis, type, fn, options);
  g.addEventListener = function (
    this: unknown,
    type: unknown,
    fn: unknown,
    options?: unknown,
  ) {
    add.call(this ?? globalThis, type, fn, options);
    if (recording && fn != null) added.push([String(type), fn, options]);
  };
  g.removeEventListener = function (
    this: unknown,
    type: unknown,
    fn: unknown,
    options?: unknown,
  ) {
    remove.call(this ?? globalThis, type, fn, options);
    const at = added.findIndex(([t, f]) => t === String(type) && f === fn);
    if (at >= 0) added.splice(at, 1);
  };
}

/**
 * Whether a data property of `globalThis` is compared at a thread's end: an enumerable
 * one, or a function of lower-case name (Deno makes a lazy global such as
 * `queueMicrotask` a non-enumerable data property at its first read in a Worker; the
 * built-in classes and namespaces, upper-case, are not compared).
 */
function compared(key: Key, desc: PropertyDescriptor): boolean {
  return desc.enumerable === true ||
    (typeof key === "string" && typeof desc.value === "function" && /^[a-z]/.test(key));
}

/**
 * Takes the whole baseline (once per Worker, and after a load that changed it): one
 * descriptor read per own key of `globalThis` (none of {@linkcode unread}'s), and the
 * first time, the wrapping of its accessors' setters.
 */
function snapshot(): void {
  descs = new Map();
  handlerValues.clear();
  ownKeys = Reflect.ownKeys(g);
  for (const key of ownKeys) {
    if (unread(key)) continue;
    let desc = Object.getOwnPropertyDescriptor(g, key);
    if (desc === undefined) continue;
    if (desc.get === undefined && desc.set === undefined) {
      if (compared(key, desc)) descs.set(key, desc);
      continue;
    }
    if (wrapSetters) desc = wrapSetter(key, desc);
    descs.set(key, desc);
    if (isHandler(key) && desc.get !== undefined) handlerValues.set(key, g[key]);
  }
  wrapSetters = false;
  enumKeys = Object.keys(g);
  // The data properties kept: the enumerable ones, and the functions of lower-case
  // name (see `compared`).
  enumDataKeys = [];
  for (const [key, desc] of descs) {
    if (typeof key === "string" && "value" in desc) enumDataKeys.push(key);
  }
  enumDataValues = enumDataKeys.map((key) => g[key]);
  consoleDescs = new Map();
  consoleKeys = [];
  consoleValues = [];
  for (const key of Reflect.ownKeys(console)) {
    const desc = Object.getOwnPropertyDescriptor(console, key)!;
    consoleDescs.set(key, desc);
    if ("value" in desc) {
      consoleKeys.push(key);
      consoleValues.push(desc.value);
    }
  }
  processListeners = new Map(
    process.eventNames().map((e) => [e, [...process.rawListeners(e)] as Listener[]]),
  );
  dirty.clear();
}

/**
 * The keys of `globalThis` that differ from the baseline: its enumerable keys, the
 * values of its enumerable data properties, the accessors assigned (their setters note
 * it), the event handler attributes. Non-enumerable data properties (the built-in
 * classes and namespaces) are not compared: a keyed read of each of the ~110 on the
 * global object costs 10-25 µs, a runtime call each.
 */
function changedGlobals(): Set<Key> {
  const changed = new Set<Key>(dirty);
  const keys = Object.keys(g);
  let same = keys.length === enumKeys.length;
  for (let i = 0; same && i < keys.length; i++) same = keys[i] === enumKeys[i];
  if (!same) {
    const before = new Set(enumKeys);
    for (const key of keys) if (!before.has(key)) changed.add(key);
    const after = new Set(keys);
    for (const key of enumKeys) if (!after.has(key)) changed.add(key);
  }
  for (let i = 0; i < enumDataKeys.length; i++) {
    if (!Object.is(g[enumDataKeys[i]], enumDataValues[i])) changed.add(enumDataKeys[i]);
  }
  for (const [key, value] of handlerValues) {
    if (!Object.is(g[key], value)) changed.add(key);
  }
  return changed;
}

/**
 * Whether a property of `console` differs from the baseline (replaced or deleted; one
 * added is not looked for: listing `console`'s keys costs more than reading them).
 */
function consoleChanged(): boolean {
  const c = console as unknown as Record<Key, unknown>;
  for (let i = 0; i < consoleKeys.length; i++) {
    if (!Object.is(c[consoleKeys[i]], consoleValues[i])) return true;
  }
  return false;
}

/**
 * Called when a thread's code has loaded, just before its `run()`: takes the baseline
 * (the first time in this Worker), or adopts what the load's module evaluations changed
 * when `loaded` says modules may have been evaluated; then records the thread's event
 * listeners.
 */
export function beginThreadGlobals(loaded: boolean): void {
  if (!initialized) {
    initialized = true;
    wrapSetters = typeof (g.Deno as { version?: { deno?: unknown } })?.version?.deno ===
      "string";
    wrapListeners();
    snapshot();
  } else if (
    loaded && (changedGlobals().size > 0 || consoleChanged() || processChanged())
  ) {
    snapshot();
  }
  recording = true;
}

/** Whether `process`'s listeners differ from the baseline. */
function processChanged(): boolean {
  const names = process.eventNames();
  if (names.length !== processListeners.size) return true;
  for (const name of names) {
    const before = processListeners.get(name);
    const now = process.rawListeners(name);
    if (before === undefined || before.length !== now.length) return true;
    for (let i = 0; i < now.length; i++) if (now[i] !== before[i]) return true;
  }
  return false;
}

/** Puts one key of `globalThis` back as the baseline has it. */
function restoreGlobal(key: Key): void {
  if (exempt(key)) return;
  const desc = descs.get(key);
  // A non-enumerable data property of the baseline (a built-in) is known by name only.
  if (desc === undefined && ownKeys.includes(key)) return;
  try {
    if (desc === undefined) {
      delete g[key];
    } else if (handlerValues.has(key)) {
      const now = Object.getOwnPropertyDescriptor(g, key);
      if (now?.get !== desc.get || now?.set !== desc.set) {
        Object.defineProperty(g, key, desc);
      }
      g[key] = handlerValues.get(key);
    } else {
      Object.defineProperty(g, key, desc);
    }
  } catch {
    // Not configurable any more (frozen by the thread): left as it is.
  }
}

/**
 * Called when a thread has ended (before the Worker takes its next job): undoes every
 * change of the global state since {@linkcode beginThreadGlobals} (see the module doc).
 */
export function endThreadGlobals(): void {
  if (!recording) return;
  recording = false;
  for (const [type, fn, options] of added.splice(0)) removeListener?.(type, fn, options);
  for (const key of changedGlobals()) restoreGlobal(key);
  dirty.clear();
  if (consoleChanged()) {
    const c = console as unknown as Record<Key, unknown>;
    for (const key of Reflect.ownKeys(console)) {
      if (!consoleDescs.has(key)) {
        try {
          delete c[key];
        } catch {
          // Left as it is.
        }
      }
    }
    for (const [key, desc] of consoleDescs) {
      try {
        Object.defineProperty(console, key, desc);
      } catch {
        // Left as it is.
      }
    }
  }
  if (processChanged()) restoreProcess();
}

/** Puts `process`'s listeners back as the baseline has them. */
function restoreProcess(): void {
  for (const name of process.eventNames()) {
    const before = processListeners.get(name) ?? [];
    for (const fn of process.rawListeners(name) as Listener[]) {
      if (!before.includes(fn)) process.removeListener(name, fn);
    }
  }
  for (const [name, before] of processListeners) {
    const now = process.rawListeners(name);
    for (const fn of before) if (!now.includes(fn)) process.on(name, fn);
  }
}
