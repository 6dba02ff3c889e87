// Copyright the threading for Deno authors. MIT license.
/**
 * The runtime's own objects on the codec's roads (a Thread's args, queue items): what
 * cannot be read back in another thread is refused by the sender, naming where it sits,
 * with advice that can be followed (no "make URL extend Shareable"), so that no queue
 * holds an item that no get() can return; a DOMException crosses as a DOMException.
 */
import assert from "node:assert/strict";
import { Queue, shutdown, Thread } from "../src/threading.ts";

/** Thread target that is never run: its start is refused. */
export function neverRuns(..._args: unknown[]): void {}

const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, [
  "sign",
]);

/** The built-in objects, with what their refusal must advise. */
function builtins(): [string, () => unknown, RegExp][] {
  return [
    ["Blob", () => new Blob(["hi"]), /a Blob, .*await blob\.bytes\(\)/],
    ["File", () => new File(["hi"], "a.txt"), /a File, .*await file\.bytes\(\)/],
    ["URL", () => new URL("https://example.com/a"), /a URL, .*url\.href/],
    ["URLSearchParams", () => new URLSearchParams("a=1"), /params\.toString\(\)/],
    ["Headers", () => new Headers({ a: "1" }), /a Headers, .*\[\.\.\.headers\]/],
    ["Request", () => new Request("https://example.com"), /request\.url/],
    ["Response", () => new Response("x"), /response\.status/],
    ["FormData", () => new FormData(), /\[\.\.\.formData\]/],
    ["AbortController", () => new AbortController(), /share an Event of this library/],
    ["AbortSignal", () => AbortSignal.abort(), /share an Event of this library/],
    ["TextEncoder", () => new TextEncoder(), /new TextEncoder\(\)/],
    ["ReadableStream", () => new ReadableStream(), /through a Queue/],
    ["MessagePort", () => new MessageChannel().port1, /pass a Queue/],
    ["CryptoKey", () => key, /exportKey/],
    [
      "WebAssembly.Module",
      () => new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])),
      /compile them in the thread/,
    ],
    ["Intl.NumberFormat", () => new Intl.NumberFormat(), /resolvedOptions/],
  ];
}

Deno.test("the runtime's built-in objects are refused by put() and start(), named where they sit, with advice that can be followed; the queue stays drainable", async () => {
  for (const [label, make, advice] of builtins()) {
    const q = new Queue<unknown>();
    assert.throws(() => q.put({ id: 2, payload: make() }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${label}: ${e}`);
      assert.match(e.message, /the item\.payload is an? /, label);
      assert.match(e.message, advice, label);
      assert.doesNotMatch(e.message, /extend Shareable|kTravel/, label);
      return true;
    });
    assert.equal(q.qsize(), 0, label);
    q.put("next");
    assert.equal(q.get(false), "next", label);
    assert.throws(
      () => new Thread({ target: neverRuns, args: [make()] }).start(),
      (e: Error) => {
        assert.ok(e instanceof TypeError, `${label}: ${e}`);
        assert.match(e.message, /: args\[0\] is an? /, label);
        assert.match(e.message, advice, label);
        return true;
      },
    );
  }
  // Nested: as an error's cause, inside a Map.
  const q = new Queue<unknown>();
  assert.throws(() => q.put(new Error("e", { cause: new Blob(["x"]) })), {
    name: "TypeError",
    message: /the item\.cause is a Blob/,
  });
  assert.throws(() => q.put(new Map([["b", new Blob(["x"])]])), {
    name: "TypeError",
    message: /the item value is a Blob/,
  });
  assert.equal(q.qsize(), 0);
  await shutdown();
});

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `not an error: ${String(e)}`;
  const d = e instanceof DOMException ? `DOMException ${e.code}` : e.constructor.name;
  return `${d} ${e.name}: ${e.message}${
    e.cause === undefined ? "" : ` (cause: ${describeError(e.cause)})`
  }`;
}

/** Thread target: reports the errors it got, and sends its own back. */
export function domRoundTrip(got: unknown[], out: Queue<unknown>): void {
  out.put(got.map(describeError));
  out.put([
    new DOMException("made in a thread", "AbortError"),
    new Error("wrapped", { cause: new DOMException("inner", "TimeoutError") }),
  ]);
}

Deno.test("a DOMException crosses as a DOMException (name, message, code, stack, cause) on every road", async () => {
  const sent = [
    new DOMException("made in main", "TimeoutError"),
    new Error("wrapped", { cause: new DOMException("inner", "NotFoundError") }),
  ];
  // The same thread, through a queue.
  const q = new Queue<unknown>();
  q.put(sent);
  const same = q.get() as Error[];
  assert.ok(same[0] instanceof DOMException);
  assert.equal((same[0] as DOMException).code, 23);
  assert.equal(same[0].stack, sent[0].stack);
  // Args to a thread, and a queue back from it.
  const out = new Queue<unknown>();
  const t = new Thread({ target: domRoundTrip, args: [sent, out] });
  t.start();
  t.join();
  assert.deepEqual(out.get(), [
    "DOMException 23 TimeoutError: made in main",
    "Error Error: wrapped (cause: DOMException 8 NotFoundError: inner)",
  ]);
  const back = out.get() as Error[];
  assert.equal(describeError(back[0]), "DOMException 20 AbortError: made in a thread");
  assert.equal(
    describeError(back[1]),
    "Error Error: wrapped (cause: DOMException 23 TimeoutError: inner)",
  );
  assert.match(back[0].stack ?? "", /AbortError: made in a thread\n\s+at domRoundTrip/);
  await shutdown();
});

Deno.test("an object's own refusal (an unstarted Thread) names where it sits", () => {
  const handed = new Thread({ target: neverRuns, name: "handed" });
  assert.throws(() => new Thread({ target: neverRuns, args: [1, handed] }).start(), {
    name: "TypeError",
    message:
      /: args\[1\] cannot cross threads: Cannot send thread "handed" to another thread before it is started/,
  });
  const q = new Queue<unknown>();
  assert.throws(() => q.put({ job: handed }), {
    name: "TypeError",
    message:
      /Cannot put into the queue: the item\.job cannot cross threads: Cannot send thread "handed"/,
  });
  assert.equal(q.qsize(), 0);
});
