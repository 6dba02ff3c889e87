// Copyright the threading for Deno authors. MIT license.
/**
 * A thread's arguments, kwargs and fields arrive the same whichever road its start job
 * takes: JSON data as its text or the codec's bytes, in the mailbox of a warm Worker or
 * on the channel (a job too big for the mailbox), started by the main thread or asked
 * by a thread. Each arrives deep-frozen (objects and arrays), with -0, NaN, holes and
 * `undefined` kept.
 */
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { CASES } from "./fixtures/args_roads.ts";
import { currentThread, Queue, SharedFloat64, shutdown, Thread } from "../mod.ts";

const FIXTURE = new URL("./fixtures/args_roads.ts", import.meta.url);

/** The sender's description as the thread should see it: copies are plain objects. */
function expected(sender: string): string {
  return sender.replaceAll("null-proto{", "Object{");
}

Deno.test("a thread's arguments arrive the same by every road of a start: JSON or codec, mailbox or channel, from main or from a thread", async () => {
  const { code, stdout, stderr } = await runDeno([
    "run",
    "--allow-read",
    FIXTURE.pathname,
  ], {
    timeoutMs: 120_000,
  });
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  const seen = new Map<string, { sender?: string; thread?: string }>();
  for (const line of lines) {
    const match = /^(.*) (sender|thread) (.*)$/.exec(line);
    assert.ok(match, `unexpected line: ${line}`);
    const [, label, who, text] = match;
    const entry = seen.get(label) ?? {};
    entry[who as "sender" | "thread"] = text;
    seen.set(label, entry);
  }
  // Four roads (args, kwargs, fields, a start asked by a thread) per case.
  assert.equal(seen.size, CASES.length * 4);
  for (const [label, { sender, thread }] of seen) {
    assert.ok(
      sender !== undefined && thread !== undefined,
      `${label}: ${sender} / ${thread}`,
    );
    assert.equal(thread.replaceAll("frozen ", ""), expected(sender), label);
    // Every array and object inside the arguments is frozen (the list of args itself,
    // the first bracket of an args line, is the thread's own).
    const inner = /(fields)$/.test(label) ? thread : thread.replace(/^\[/, "");
    const containers = (inner.match(/[[{]/g) ?? []).length;
    const frozen = (inner.match(/frozen /g) ?? []).length;
    assert.equal(frozen, containers, `${label}: not deep-frozen: ${thread}`);
  }
});

/** A subclass that tries to keep a result on itself, as Python code does. */
export class SumThread extends Thread {
  items: number[] = [];
  result = 0;
  total = new SharedFloat64(0);
  out: Queue<string> = new Queue();
  override run(): void {
    const sum = this.items.reduce((a, b) => a + b, 0);
    for (
      const change of [
        () => (this.result = sum),
        () => ((this as { extra?: number }).extra = 1),
      ]
    ) {
      try {
        change();
        this.out.put("changed");
      } catch (error) {
        this.out.put(`${(error as Error).name}`);
      }
    }
    this.total.value = sum; // a shared field: the way back
    this.setName("renamed"); // an accessor of the class, not a field
  }
}

/** A plain thread may tag its own Thread object (Python: current_thread().tag = 1). */
export function tagSelf(out: Queue<string>): void {
  (currentThread() as unknown as { tag: number }).tag = 1;
  out.put(String((currentThread() as unknown as { tag: number }).tag));
}

Deno.test("a Thread subclass's fields are a read-only copy in its thread: a result kept on `this` throws instead of being lost; a shared field carries it back", async () => {
  const t = new SumThread();
  t.items = [1, 2, 3];
  t.start();
  t.join();
  assert.deepEqual([t.out.get(), t.out.get()], ["TypeError", "TypeError"]);
  assert.equal(t.result, 0);
  assert.equal(t.total.value, 6);
  assert.equal(t.name, "renamed");
  const out = new Queue<string>();
  const plain = new Thread({ target: tagSelf, args: [out] });
  plain.start();
  plain.join();
  assert.equal(out.get(), "1");
  await shutdown();
});
