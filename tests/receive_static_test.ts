// Copyright the threading for Deno authors. MIT license.
/**
 * A blocking `get()` finds a `Shareable` class or a function whose module the receiving
 * thread has loaded already by a static import, as CPython's pickle finds a class in
 * `sys.modules` (ut7's finding 15: only `getAsync()` could), and loads a local module it
 * has not, as pickle imports it.
 */
import assert from "node:assert/strict";
import { Queue } from "../src/queue.ts";
import { Thread } from "../src/thread.ts";
import { shutdown } from "../src/thread_functions.ts";
import { double, SBox } from "./fixtures/static_box.ts";
import { putBoxes, receiveBox } from "./fixtures/static_tasks.ts";

Deno.test("the main thread's blocking get receives a Shareable class and a function of a module it imports statically", async () => {
  const q = new Queue<unknown>();
  const t = new Thread({ target: putBoxes, args: [q] });
  t.start();
  t.join();
  const box = q.get();
  assert.ok(box instanceof SBox, `received ${box}`);
  assert.equal(box.describe(), "box:7"); // its methods, its fields, its shared cell
  box.n.add(1);
  assert.equal(box.n.value, 8);
  const { f } = q.get() as { f: unknown };
  assert.equal(f, double);
  // A module this thread had not loaded: loaded now (its class is then the import's).
  const late = q.get();
  const { LateBox } = await import("./fixtures/late_box.ts");
  assert.ok(late instanceof LateBox);
  assert.equal((late as InstanceType<typeof LateBox>).tag, "late");
  await shutdown();
});

Deno.test("a thread's blocking get receives a Shareable class of a module its target's module imports statically", async () => {
  const inbox = new Queue<unknown>();
  const out = new Queue<string>();
  const box = new SBox();
  box.n.value = 3;
  inbox.put(box);
  const t = new Thread({ target: receiveBox, args: [inbox, out] });
  t.start();
  t.join();
  assert.equal(out.get(), "SBox box:3");
  await shutdown();
});
