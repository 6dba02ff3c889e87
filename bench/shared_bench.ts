// Copyright the threading for Deno authors. MIT license.
/**
 * Shared values against raw memory, one thread: a cell's read, write and increment
 * against a raw `Int32Array` with `Atomics`, and a shared list change under a Lock
 * against a plain array under the same Lock, and push + pop on long lists.
 *
 * @module
 */
import { Lock } from "../src/lock.ts";
import {
  Shareable,
  shared,
  SharedFloat64,
  SharedInt32,
  SharedList,
} from "../src/shared.ts";

const raw = new Int32Array(new SharedArrayBuffer(4));
const int32 = new SharedInt32(0);
const float64 = new SharedFloat64(0);

class Counter extends Shareable {
  lock = new Lock();
  @shared
  accessor value = 0;
}
const counter = new Counter();
let sink = 0;

Deno.bench({ group: "cell read", name: "raw Atomics.load", baseline: true }, () => {
  sink += Atomics.load(raw, 0);
});
Deno.bench({ group: "cell read", name: "SharedInt32.value" }, () => {
  sink += int32.value;
});
Deno.bench({ group: "cell read", name: "SharedFloat64.value" }, () => {
  sink += float64.value;
});
Deno.bench({ group: "cell read", name: "@shared accessor field" }, () => {
  sink += counter.value;
});

Deno.bench({ group: "cell write", name: "raw Atomics.store", baseline: true }, () => {
  Atomics.store(raw, 0, 5);
});
Deno.bench({ group: "cell write", name: "SharedInt32.value =" }, () => {
  int32.value = 5;
});
Deno.bench({ group: "cell write", name: "SharedFloat64.value =" }, () => {
  float64.value = 5.5;
});
Deno.bench({ group: "cell write", name: "@shared accessor field =" }, () => {
  counter.value = 5;
});

Deno.bench({ group: "cell increment", name: "raw Atomics.add", baseline: true }, () => {
  Atomics.add(raw, 0, 1);
});
Deno.bench({ group: "cell increment", name: "SharedInt32.add(1)" }, () => {
  int32.add(1);
});
Deno.bench({ group: "cell increment", name: "SharedFloat64.add(1)" }, () => {
  float64.add(1);
});
Deno.bench({ group: "cell increment", name: "Counter.value + 1 under its Lock" }, () => {
  counter.lock.acquire();
  counter.value = counter.value + 1;
  counter.lock.release();
});

const lock = new Lock();
const plain: string[] = ["0", "1"];
const list = new SharedList<string>(["0", "1"]);

Deno.bench({
  group: "list change under a Lock",
  name: "plain array push + remove",
  baseline: true,
}, () => {
  lock.acquire();
  plain.push("2");
  plain.splice(plain.indexOf("2"), 1);
  lock.release();
});
Deno.bench(
  { group: "list change under a Lock", name: "SharedList push + remove" },
  () => {
    lock.acquire();
    list.push("2");
    list.remove("2");
    lock.release();
  },
);
Deno.bench(
  { group: "list change under a Lock", name: "SharedList update (one step)" },
  () => {
    list.update((items) => {
      items.push("2");
      items.pop();
    });
  },
);

Deno.bench(
  { group: "list read", name: "plain array length + String", baseline: true },
  () => {
    sink += plain.length + String(plain).length;
  },
);
Deno.bench({ group: "list read", name: "SharedList length + String (unchanged)" }, () => {
  sink += list.length + String(list).length;
});

// push + pop() on lists of 1,000 and 16,000 numbers: O(1) in the length (ut7's finding
// 6: each call parsed and re-wrote the whole list, 16,000 pushes took 9.5 s).
for (const size of [1000, 16000]) {
  const long = new SharedList<number>(Array.from({ length: size }, (_, i) => i));
  const array = Array.from({ length: size }, (_, i) => i);
  Deno.bench(
    { group: `push + pop, ${size} items`, name: "plain array", baseline: true },
    () => {
      array.push(1);
      sink += array.pop()!;
    },
  );
  Deno.bench({ group: `push + pop, ${size} items`, name: "SharedList" }, () => {
    long.push(1);
    sink += long.pop();
  });
}

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
