// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode Shareable}, the base of user classes whose instances travel into threads
 * as instances of the same class (by reference, as Thread targets do), and the
 * {@linkcode shared} decorator that makes an auto-accessor field live in a shared cell.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { addKindResolver, kTravel, type Ticket } from "./_codec.ts";
import { mainModuleURL, moduleForReceive } from "./_modules.ts";
import { describe } from "./_futex.ts";
import { definingModule, findExport } from "./_reference.ts";
import { findLoaded } from "./_locate.ts";
import { SharedBigInt64, SharedBoolean, SharedFloat64 } from "./shared_cells.ts";
import { SharedJSON } from "./shared_json.ts";
import { checkJSON, type JSONValue } from "./_json_store.ts";

type Cell = SharedFloat64 | SharedBigInt64 | SharedBoolean | SharedJSON;
const kCells = Symbol("@threading/threading:cells");
/** Prefix of a decorated field's cell in a Shareable's ticket body. */
const CELL_PREFIX = "\u0000accessor ";

interface WithCells {
  [kCells]?: Record<string, Cell>;
}

function cellsOf(object: WithCells): Record<string, Cell> {
  let cells = object[kCells];
  if (cells === undefined) {
    cells = {};
    Object.defineProperty(object, kCells, { value: cells, configurable: true });
  }
  return cells;
}

function makeCell(value: unknown, name: string): Cell {
  switch (typeof value) {
    case "number":
      return new SharedFloat64(value);
    case "bigint":
      return new SharedBigInt64(value);
    case "boolean":
      return new SharedBoolean(value);
    default:
      checkJSON(value, name, `Cannot make ${name} shared`);
      return new SharedJSON(value as JSONValue);
  }
}

/**
 * Makes an auto-accessor field live in shared memory, so that it reads and writes like
 * an ordinary field and every thread sees the same value: `@shared accessor value = 0`.
 * The initial value chooses the cell: a number is a {@linkcode SharedFloat64}, a bigint
 * a {@linkcode SharedBigInt64}, a boolean a {@linkcode SharedBoolean}, other JSON data a
 * {@linkcode SharedJSON} (read as a deep-frozen copy; assign a new value to change it).
 * Use it in a {@linkcode Shareable} class. Each read and each write is atomic; a
 * read-then-write such as `this.value = this.value + 1` needs a `Lock` around it.
 *
 * @typeParam This The class.
 * @typeParam V The field's type.
 * @param _target The accessor being decorated.
 * @param context The decorator context.
 * @returns The shared accessor.
 * @throws {TypeError} On a static field, or an initial value that is not JSON data.
 *
 * @example The seeds' Counter
 * ```ts
 * import { Lock, Shareable, shared } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * class Counter extends Shareable {
 *   lock = new Lock();
 *   @shared accessor value = 0;
 *   increment() {
 *     this.lock.acquire();
 *     try {
 *       this.value = this.value + 1;
 *     } finally {
 *       this.lock.release();
 *     }
 *   }
 * }
 * const counter = new Counter();
 * counter.increment();
 * assert.equal(counter.value, 1);
 * ```
 */
export function shared<This extends object, V>(
  _target: ClassAccessorDecoratorTarget<This, V>,
  context: ClassAccessorDecoratorContext<This, V>,
): ClassAccessorDecoratorResult<This, V> {
  const name = String(context.name);
  if (context.static) {
    throw new TypeError(
      `Cannot make ${name} shared: a static field cannot be shared, received a static accessor; use an instance field`,
    );
  }
  const cell = (self: This): Cell => {
    const found = (self as WithCells)[kCells]?.[name];
    if (found === undefined) {
      throw new TypeError(
        `Cannot read ${name}: the shared field was not initialized on ${describe(self)}`,
      );
    }
    return found;
  };
  return {
    get(this: This): V {
      return cell(this).value as V;
    },
    set(this: This, value: V): void {
      (cell(this) as { value: unknown }).value = value;
    },
    init(this: This, value: V): V {
      cellsOf(this as WithCells)[name] = makeCell(value, name);
      return value;
    },
  };
}

/** For each Shareable class seen in this thread: the URL of the module that defines it. */
const origins = new WeakMap<
  abstract new (...args: never[]) => unknown,
  string | undefined
>();

/**
 * The Shareable classes constructed in this thread, by kind: found there without their
 * module's namespace (the main module's, while it still runs).
 */
const known = new Map<string, abstract new (...args: never[]) => unknown>();

/**
 * The base of a user class whose instances travel into threads as instances of the same
 * class: methods work there, and fields that are shared (this library's primitives,
 * shared values, `@shared` fields, other Shareables) are the same objects in every
 * thread. The same instance sent twice arrives as one object.
 *
 * How it travels: by reference, as Thread targets do. The class must be **exported** by
 * the module that defines it (found from the constructor's stack); the receiving thread
 * imports that module and creates the object from the class's prototype **without
 * running the constructor**, then puts in its own fields. Plain fields (numbers,
 * strings, arrays, plain objects) are copied when the object first reaches a thread,
 * and are read-only, deep-frozen copies there: keep what changes in shared values. A
 * field that cannot travel (a function, an instance of a class with methods that is
 * not shareable) is refused by `start()` with a `TypeError` that names it. Private
 * (`#`) fields do not travel.
 *
 * @example The seeds' Counter, shared with threads
 * ```ts
 * import { Lock, Shareable, SharedInt32 } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * // export class Counter extends Shareable { ... } in a module, and pass it as an argument
 * class Counter extends Shareable {
 *   lock = new Lock();
 *   count = new SharedInt32(0);
 *   increment() {
 *     this.lock.acquire();
 *     try {
 *       this.count.value = this.count.value + 1;
 *     } finally {
 *       this.lock.release();
 *     }
 *   }
 * }
 * const counter = new Counter();
 * counter.increment();
 * assert.equal(counter.count.value, 1);
 * ```
 */
export abstract class Shareable {
  /** Records which module defines the subclass, for the threads that receive it. */
  constructor() {
    const Class = new.target;
    if (!origins.has(Class)) {
      const url = definingModule(Class.name);
      origins.set(Class, url);
      if (url !== undefined && Class.name) known.set(`${url}#${Class.name}`, Class);
    }
  }

  /**
   * How the object crosses threads: its class by reference, its own fields by value
   * (shared ones as themselves).
   *
   * @ignore
   * @returns The ticket.
   * @throws {TypeError} If the class is anonymous or its module cannot be found.
   */
  [kTravel](): Ticket {
    const Class = this.constructor as abstract new (...args: never[]) => unknown;
    const name = Class.name;
    const url = origins.get(Class);
    if (!name || url === undefined) {
      throw new TypeError(
        `Cannot send ${
          describe(this)
        } to another thread: cannot tell which module defines its class${
          name ? "" : ", received an anonymous class"
        }; give the class a name and export it from its module`,
      );
    }
    const body: Record<string, unknown> = {};
    for (const key of Object.keys(this)) {
      body[key] = (this as Record<string, unknown>)[key];
    }
    const cells = (this as WithCells)[kCells];
    if (cells) {
      for (const key of Object.keys(cells)) body[CELL_PREFIX + key] = cells[key];
    }
    return { kind: `${url}#${name}`, module: url, head: null, body };
  }
}

/** "a" or "an" before a class name, as English reads it ("an Account", "a Point"). */
function article(name: string): string {
  return /^[AEIOU]/i.test(name) ? "an" : "a";
}

function fill(object: object, body: unknown): void {
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.startsWith(CELL_PREFIX)) {
      cellsOf(object as WithCells)[key.slice(CELL_PREFIX.length)] = record[key] as Cell;
    } else {
      // Read-only: the field stands for the sender's; a change here would be silent.
      Object.defineProperty(object, key, {
        value: record[key],
        writable: false,
        enumerable: true,
        configurable: true,
      });
    }
  }
}

addKindResolver((kind) => {
  const hash = kind.lastIndexOf("#");
  if (hash <= 0) return undefined;
  const url = kind.slice(0, hash);
  const name = kind.slice(hash + 1);
  const seen = known.get(kind);
  if (seen !== undefined) return { create: () => Object.create(seen.prototype), fill };
  // Modules imported by reference (targets, getAsync), the main module once it has
  // reached its first await, and (a blocking get cannot import) a file: module loaded
  // synchronously: the same namespace if this thread imported it statically.
  const namespace = moduleForReceive(url);
  if (namespace === undefined) {
    const why = url === mainModuleURL()
      ? "is the program's main module, whose exports a blocking get can look up only once the main module has reached its first await (or finished)"
      : "cannot be loaded synchronously in this thread (a blocking get loads only a local file: module without a top-level await)";
    throw new TypeError(
      `Cannot receive ${
        article(name)
      } ${name} from another thread: its module ${url} ${why}; the item stays at the head of the queue; get it with getAsync(), which imports the module, or pass the object to the thread as an argument`,
    );
  }
  const isShareable = (v: unknown) =>
    typeof v === "function" && v.prototype instanceof Shareable;
  let Class = findExport(namespace, name, undefined);
  // Exported by a module that the named one imports (see `_locate.ts`).
  if (!isShareable(Class)) Class = findLoaded(name, undefined, isShareable, [url])?.value;
  if (typeof Class !== "function" || !(Class.prototype instanceof Shareable)) {
    throw new TypeError(
      `Cannot receive ${
        article(name)
      } ${name} from another thread: ${url} does not export a Shareable class named ${name}, received ${
        describe(Class)
      }; export the class from the module that defines it`,
    );
  }
  origins.set(Class as abstract new () => unknown, url);
  return {
    create: () => Object.create(Class.prototype),
    fill,
  };
});
