// Copyright the threading for Deno authors. MIT license.
// A module that fails while a thread loads it: start()'s ThreadError names the module
// that failed and where, and keeps the original error as its cause (real subprocesses,
// real Workers).
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { encodeStartFailure, startFailureError } from "../src/_start_failure.ts";
import { shownAs, shownUnder } from "../src/_platform.ts";
import { ThreadError } from "../src/threading.ts";

const root = new URL("../", import.meta.url).pathname;

interface Thrown {
  name: string;
  message: string;
  stack: string;
  cause: {
    isError: boolean;
    className: string;
    name: string;
    message: string;
    stack: string;
  } | null;
}

async function thrown(mode: string): Promise<Thrown> {
  const r = await runDeno(
    ["run", "--no-lock", "--allow-read=.", "tests/fixtures/module_load/main.ts", mode],
    { cwd: root, timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

Deno.test("a module that the target's module imports throws as a thread loads it: named, with its line, the error as cause", async () => {
  const e = await thrown("import");
  assert.equal(e.name, "ThreadError");
  assert.match(
    e.message,
    /^Cannot start thread "Thread-1 \(work\)": the module file:\/\/\S*\/module_load\/tasks_bad\.ts failed to load in the new thread \(imported by file:\/\/\S*\/module_load\/main\.ts\): TypeError: tasks_bad refuses to load in a thread \(at file:\/\/\S*\/module_load\/tasks_bad\.ts:6:\d+\)$/,
  );
  assert.ok(e.cause !== null, "no cause");
  assert.equal(e.cause.isError, true);
  assert.equal(e.cause.className, "TypeError");
  assert.equal(e.cause.message, "tasks_bad refuses to load in a thread");
  assert.match(
    e.cause.stack,
    /^TypeError: tasks_bad refuses to load in a thread\n\s+at \S*tasks_bad\.ts:6:\d+/,
  );
  // The library's own frames (its import of the module) are not the user's traceback.
  assert.doesNotMatch(e.cause.stack, /_worker\.ts|_modules\.ts/);
  // start()'s own stack starts at start(), in the program.
  assert.doesNotMatch(e.stack, /_start_failure\.ts/);
  assert.match(e.stack, /at \S*module_load\/main\.ts:\d+:\d+/);
});

Deno.test("a long stack of the failing module's error is cut to fit, whole lines, and the cause stays", async () => {
  const e = await thrown("deep");
  assert.match(
    e.message,
    /deep\.ts failed to load in the new thread: RangeError: (deep failure )+ \(at \S*deep\.ts:8:\d+\)$/,
  );
  assert.ok(e.cause !== null, "no cause");
  assert.equal(e.cause.className, "RangeError");
  assert.equal(e.cause.message, "deep failure ".repeat(40));
  // Fewer frames than the 10 the stack had: cut to fit the slot's 2 KB.
  const frames = e.cause.stack.split("\n").length - 1;
  assert.ok(frames >= 1 && frames < 10, `${frames} frames`);
  assert.match(
    e.cause.stack,
    /^RangeError: (deep failure )+\n(\s+at down \S+deep\.ts:\d+:\d+\)\n?)+$/,
  );
});

Deno.test("a module that does not parse: named with its line, the error as cause", async () => {
  const e = await thrown("syntax");
  assert.match(
    e.message,
    /the module data:application\/typescript,\S+ failed to load in the new thread: \S*Error: .*SyntaxError/s,
  );
  assert.match(e.message, /data:application\/typescript,\S+:1:\d+/);
  assert.ok(e.cause !== null, "no cause");
  assert.match(e.cause.message, /SyntaxError/);
});

Deno.test("a start failure's text keeps the cause's class, message and stack; too long a stack loses whole lines", () => {
  const cause = new SyntaxError("bad");
  cause.stack = `SyntaxError: bad\n${
    "    at f (file:///a/b.ts:1:1)\n".repeat(200)
  }    at g`;
  const text = encodeStartFailure("ThreadError", "the module failed", cause);
  assert.ok(new TextEncoder().encode(text).length <= 2000);
  const error = startFailureError(text, "Cannot start thread");
  assert.ok(error instanceof ThreadError);
  assert.equal(error.message, "Cannot start thread: the module failed");
  const revived = error.cause as Error;
  assert.ok(revived instanceof SyntaxError);
  assert.equal(revived.message, "bad");
  assert.match(
    revived.stack!,
    /^SyntaxError: bad\n( {4}at f \(file:\/\/\/a\/b\.ts:1:1\)\n?)+$/,
  );
  // A TypeError stays one; the old two-line form (no cause) still reads.
  assert.ok(startFailureError("TypeError\nnot found", "x") instanceof TypeError);
  assert.equal(startFailureError("ThreadError\na\nb", "x").message, "x: a\nb");
  assert.equal(startFailureError("ThreadError\na", "x").cause, undefined);
});

Deno.test("shownAs, shownUnder: a stack's partly decoded file URL is its module's, in its folder", () => {
  const url = "file:///tmp/odd%20path/%C3%BCn%20%231/main%20%2520.ts";
  assert.ok(shownAs(url, url));
  assert.ok(shownAs("file:///tmp/odd%20path/%C3%BCn%20%231/main %20.ts", url));
  assert.ok(shownAs("file:///tmp/odd path/ün #1/main %20.ts", url));
  assert.ok(!shownAs("file:///tmp/odd path/ün #1/main  .ts", url));
  assert.ok(!shownAs("file:///tmp/odd path/main %20.ts", url));
  assert.ok(
    shownUnder("file:///tmp/odd path/ün #1/main %20.ts", "file:///tmp/odd%20path/"),
  );
  assert.ok(shownUnder("file:///tmp/odd%20path/x.ts", "file:///tmp/odd%20path/"));
  assert.ok(!shownUnder("file:///tmp/odd path2/x.ts", "file:///tmp/odd%20path/"));
  assert.ok(!shownUnder("file:///tmp/odd path", "file:///tmp/odd%20path/"));
});
