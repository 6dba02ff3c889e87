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
