// Copyright the threading for Deno authors. MIT license.
/**
 * Thread-local data, as Python's `threading.local`: one object that every thread can
 * hold, whose attributes are per thread.
 *
 * A `local` is a Proxy. Its string-keyed attributes live in a per-thread store: a weak
 * map, in each isolate, from the object (this isolate's proxy for it, one per object by
 * the codec's same-object rule) to the current thread's attributes. A Worker runs one
 * thread after another, so the store also remembers the ident of the thread it belongs
 * to, and is emptied when a new thread (a new `current.ident`) first touches any local.
 * The attributes of a local that this isolate no longer holds go with the object, at
 * once: no `WeakRef` or finalizer is made for a local that does not travel, so a loop
 * that never yields can make any number of them.
 *
 * A subclass's constructor runs again, with the arguments the object was created with,
 * the first time each other thread touches a string-keyed attribute: the base
 * constructor, called again by `super(...)`, hands back the existing proxy, so the
 * subclass's field initializers and constructor body work on that thread's attributes.
 * If that rerun throws, the thread's attributes are dropped and the next access runs
 * it again (as CPython's `_thread._local` does). The arguments are the ones the
 * subclass passes to `super(...)`: a subclass whose constructor takes parameters but
 * calls `super()` with none is refused at construction, with the line to write.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { idOf, kTravel, loadedModule, registerKind, type Ticket } from "./_codec.ts";
import { describe } from "./_futex.ts";
import { definingModule, findExport } from "./_reference.ts";
import { findLoaded } from "./_locate.ts";
import { current } from "./_runtime.ts";

const HERE = import.meta.url;
const inspectSymbol = customInspect;

type LocalClass = new (...args: never[]) => local;

/** What a local keeps besides its per-thread attributes (on its proxy target). */
interface LocalState {
  /** The class it was made from (the subclass, or `local`). */
  readonly Class: LocalClass;
  /** The arguments of its constructor, for the rerun in other threads. */
  args: unknown[];
  /** The proxy. */
  proxy: local;
}

const kState = Symbol("@threading/threading:local");

/** The attributes of the current thread, by local (dropped with it). */
let stores = new WeakMap<object, Map<string, unknown>>();
/** The ident of the thread whose attributes `stores` holds. */
let storeIdent = current.ident;

/** For each local subclass seen in this thread: the URL of the module defining it. */
const origins = new WeakMap<LocalClass, string | undefined>();

/** The proxy a rerun of a subclass constructor must hand back, and for which class. */
let rerun: { proxy: local; Class: LocalClass } | undefined;

/**
 * Drops the current thread's attributes of every local, as the thread ends (a Worker
 * runs the next thread with nothing of the last one).
 */
export function forgetLocals(): void {
  stores = new WeakMap();
  storeIdent = 0;
}

function stateOf(target: object): LocalState {
  return (target as { [kState]: LocalState })[kState];
}

/** This thread's attributes of a local, made (and the constructor rerun) on first use. */
function storeOf(state: LocalState): Map<string, unknown> {
  if (storeIdent !== current.ident) {
    stores = new WeakMap();
    storeIdent = current.ident;
  }
  const key = state.proxy;
  let store = stores.get(key);
  if (store === undefined) {
    store = new Map();
    stores.set(key, store);
    if (state.Class !== local) {
      rerun = { proxy: state.proxy, Class: state.Class };
      try {
        Reflect.construct(state.Class, state.args);
      } catch (error) {
        // Not initialized in this thread: the next access runs the constructor again.
        if (stores.get(key) === store) stores.delete(key);
        throw error;
      } finally {
        rerun = undefined;
      }
    }
  }
  return store;
}

/**
 * Refuses a subclass whose constructor takes parameters but calls `super()` with none:
 * other threads rerun the constructor with the arguments given to `super(...)`, so they
 * would run it with none.
 *
 * @throws {TypeError} Saying the line to write.
 */
function checkSuperArguments(Class: LocalClass, args: unknown[]): void {
  if (args.length > 0) return;
  const source = Function.prototype.toString.call(Class);
  const params = constructorParameters(source);
  if (params === undefined || params.trim() === "") return;
  if (!/\bsuper\s*\(\s*\)/.test(source)) return;
  const names = params.split(",").map((p) => p.trim().replace(/\s*=[\s\S]*$/, ""));
  const simple = names.every((n) => /^(\.\.\.)?[\p{L}_$][\p{L}\p{N}_$]*$/u.test(n));
  const line = `super(${simple ? names.join(", ") : "...arguments"})`;
  throw new TypeError(
    `Cannot create ${Class.name}: its constructor takes arguments (${params.trim()}) but calls super() with none, and other threads run it again with the arguments given to super(); pass them on: ${line}`,
  );
}

/** The parameter list of a class's own constructor, from its source. */
function constructorParameters(source: string): string | undefined {
  const match = /\bconstructor\s*\(/.exec(source);
  if (match === null) return undefined;
  let depth = 1;
  const start = match.index + match[0].length;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return source.slice(start, i);
  }
  return undefined;
}

function hasAccessor(target: object, key: string): PropertyDescriptor | undefined {
  for (let p = Object.getPrototypeOf(target); p !== null; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d) return d.get !== undefined || d.set !== undefined ? d : undefined;
  }
  return undefined;
}

const handler: ProxyHandler<object> = {
  get(target, key, receiver) {
    if (typeof key === "symbol") return Reflect.get(target, key, receiver);
    const store = storeOf(stateOf(target));
    if (store.has(key)) return store.get(key);
    return Reflect.get(target, key, receiver);
  },
  set(target, key, value, receiver) {
    if (typeof key === "symbol") return Reflect.set(target, key, value, receiver);
    const store = storeOf(stateOf(target));
    const accessor = hasAccessor(target, key);
    if (accessor !== undefined) return Reflect.set(target, key, value, receiver);
    store.set(key, value);
    return true;
  },
  has(target, key) {
    if (typeof key === "symbol") return Reflect.has(target, key);
    return storeOf(stateOf(target)).has(key) || Reflect.has(target, key);
  },
  deleteProperty(target, key) {
    if (typeof key === "symbol") return Reflect.deleteProperty(target, key);
    storeOf(stateOf(target)).delete(key);
    return true;
  },
  defineProperty(target, key, descriptor) {
    if (typeof key === "symbol") return Reflect.defineProperty(target, key, descriptor);
    if (descriptor.get !== undefined || descriptor.set !== undefined) return false;
    storeOf(stateOf(target)).set(key, descriptor.value);
    return true;
  },
  getOwnPropertyDescriptor(target, key) {
    if (typeof key === "symbol") return Reflect.getOwnPropertyDescriptor(target, key);
    const store = storeOf(stateOf(target));
    if (!store.has(key)) return undefined;
    return {
      value: store.get(key),
      writable: true,
      enumerable: true,
      configurable: true,
    };
  },
  ownKeys(target) {
    const store = storeOf(stateOf(target));
    return [...store.keys(), ...Object.getOwnPropertySymbols(target)];
  },
};

function makeLocal(Class: LocalClass, args: unknown[]): local {
  const target = Object.create(Class.prototype) as object;
  const proxy = new Proxy(target, handler) as local;
  const state: LocalState = { Class, args, proxy };
  Object.defineProperty(target, kState, { value: state });
  return proxy;
}

/**
 * Thread-local data, as Python's `threading.local`: each thread that sets an attribute
 * sees only its own value; a missing attribute reads as `undefined`. The object itself
 * may be shared (passed to threads as an argument, nested in objects, as a field of a
 * Thread subclass); its attributes never cross threads.
 *
 * A subclass passes its constructor's arguments on to `super(...)` (one that takes
 * parameters but calls `super()` with none is refused with a `TypeError` that shows the
 * line to write). Its constructor runs
 * again, with the same arguments, the first time each other thread touches an
 * attribute of the object (the arguments travel to that thread as thread arguments do:
 * shared objects are shared, the rest is copied). So it can set defaults that every
 * thread starts with, as Python's `__init__` of a `local` subclass does. The subclass
 * travels by reference, so it must be exported by the module that defines it.
 *
 * Attributes are the string-keyed properties; symbol-keyed properties are not per
 * thread. `String(data)` reads `<MyLocal object 7>`, where 7 is the object's
 * program-wide id, the same in every thread (Python shows an address there).
 *
 * @example Per-thread values
 * ```ts
 * import { local } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const data = new local();
 * assert.equal(data.value, undefined);
 * data.value = 1000;
 * assert.equal(data.value, 1000);
 * ```
 *
 * @example A subclass with defaults for every thread
 * ```ts
 * import { local } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * class MyLocal extends local {
 *   value: number;
 *   constructor(value: number) {
 *     super(value);
 *     this.value = value;
 *   }
 * }
 * const data = new MyLocal(1000);
 * assert.equal(data.value, 1000);
 * assert.match(String(data), /^<MyLocal object \d+>$/);
 * ```
 */
export class local {
  /** The current thread's attributes: any string key; a missing one reads `undefined`. */
  [attribute: string]: unknown;

  /**
   * Creates a thread-local object (a Proxy), or, when a subclass constructor reruns in
   * another thread, hands back the existing one.
   *
   * @param args The subclass's constructor arguments, kept for the reruns in other
   * threads.
   * @returns The thread-local object.
   * @throws {TypeError} If arguments are given to `local` itself (not a subclass).
   */
  constructor(...args: unknown[]) {
    const Class = new.target as LocalClass;
    if (rerun !== undefined && rerun.Class === Class) {
      const proxy = rerun.proxy;
      rerun = undefined;
      return proxy;
    }
    if (Class === local && args.length > 0) {
      throw new TypeError(
        `Cannot create local: initialization arguments are not supported, received ${args.length}; subclass local to take arguments`,
      );
    }
    if (Class !== local && !origins.has(Class)) {
      checkSuperArguments(Class, args);
      origins.set(Class, definingModule(Class.name));
    }
    const proxy = makeLocal(Class, args);
    // This thread's attributes start empty: the constructor runs on now.
    if (storeIdent !== current.ident) {
      stores = new WeakMap();
      storeIdent = current.ident;
    }
    stores.set(proxy, new Map());
    return proxy;
  }

  /**
   * The object as Python's `repr` shows it: `<MyLocal object 7>`, with the object's
   * program-wide id.
   *
   * @returns The text.
   */
  toString(): string {
    return `<${this.constructor.name} object ${idOf(this)}>`;
  }

  /** For `console.log`: as {@linkcode local.toString}. */
  [inspectSymbol](): string {
    const state = (this as unknown as { [kState]?: LocalState })[kState];
    const name = state?.Class.name ?? "local";
    return `<${name} object ${idOf(state?.proxy ?? this)}>`;
  }

  /**
   * How a local crosses threads: its class by reference and its arguments.
   *
   * @ignore
   */
  [kTravel](): Ticket {
    const state = (this as unknown as { [kState]: LocalState })[kState];
    const Class = state.Class;
    if (Class === local) {
      return { kind: "local", module: HERE, head: null, body: state.args };
    }
    const url = origins.get(Class);
    if (!Class.name || url === undefined) {
      throw new TypeError(
        `Cannot send ${
          describe(this)
        } to another thread: cannot tell which module defines its class; give the class a name and export it from its module`,
      );
    }
    return {
      kind: "local",
      module: url,
      head: { url, name: Class.name },
      body: state.args,
    };
  }
}

registerKind("local", {
  create(head) {
    if (head === null) return makeLocal(local, []);
    const { url, name } = head as { url: string; name: string };
    const namespace = loadedModule(url);
    const isLocal = (v: unknown) =>
      typeof v === "function" && v.prototype instanceof local;
    // Else exported by a module that the named one imports (see `_locate.ts`).
    const Class = (namespace && findExport(namespace, name, undefined)) ??
      findLoaded(name, undefined, isLocal, [url])?.value;
    if (typeof Class !== "function" || !(Class.prototype instanceof local)) {
      throw new TypeError(
        `Cannot receive a ${name} from another thread: ${url} does not export a local subclass named ${name}, received ${
          describe(Class)
        }; export the class from the module that defines it`,
      );
    }
    origins.set(Class as LocalClass, url);
    return makeLocal(Class as LocalClass, []);
  },
  fill(object, body) {
    const target = object as unknown as { [kState]: LocalState };
    target[kState].args = body as unknown[];
  },
});
