// Copyright the threading for Deno authors. MIT license.
// How errors print (`src/_traceback.ts`), as CPython prints them: the excepthook (a
// thread's uncaught error, an excepthook that fails) and logging's tracebacks, in real
// subprocesses with real threads; the naming rule in this process.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { errorName, tracebackText } from "../src/_traceback.ts";
import { ThreadError } from "../src/errors.ts";
import * as logging from "../src/logging.ts";

const fixture = new URL("./fixtures/tracebacks.ts", import.meta.url).pathname;

/** The program's stderr with each frame line as `  at <function>`. */
async function run(mode: string): Promise<{ stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", fixture, mode],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, stderr);
  return {
    stdout,
    stderr: stderr.replace(
      /^((?: {4}\| )?) {4}at (\S+) \(file:[^)]*\/tracebacks\.ts:\d+:\d+\)$/gm,
      "$1  at $2",
    ),
  };
}

Deno.test("an excepthook that throws: CPython's header, then the hook's error alone", async () => {
  const { stdout, stderr } = await run("hook");
  assert.equal(stdout, "done\n");
  // Not "Exception in thread failing:" before the hook's error, as if the thread had
  // thrown it (CPython's invoke_excepthook prints the hook's traceback alone).
  assert.equal(
    stderr,
    "Exception in threading.excepthook:\nRangeError: hook itself failed\n  at badHook\n",
  );
});

Deno.test("the default excepthook names the error's class, as CPython's type(e).__name__", async () => {
  const { stderr } = await run("names");
  assert.equal(
    stderr,
    [
      "Exception in thread plain:",
      "MyErr: bad value 1", // class MyErr extends Error {}: its name is Error's
      "  at throwsMine",
      "Exception in thread named:",
      "Named: set by the class", // this.name = "Named": the class chose it
      "  at throwsMine",
      "Exception in thread sub:",
      "SubThreadError: a subclass of the library's error", // not ThreadError's name
      "  at throwsMine",
      "Exception in thread empty:",
      "MyErr", // CPython prints the name alone for an empty message
      "  at throwsMine",
      "Exception in thread dom:",
      "AbortError: stopped",
      "  at throwsMine",
      "Exception in thread cause:",
      "SubThreadError: inner",
      "  at throwsMine",
      "",
      "The above exception was the direct cause of the following exception:",
      "",
      "MyErr: outer",
      "  at throwsMine",
      "",
    ].join("\n"),
  );
});

Deno.test("the default excepthook prints other values as Deno does, an AggregateError's errors as CPython prints a group's", async () => {
  const { stderr } = await run("values");
  const wide = [];
  for (let i = 1; i <= 15; i++) {
    wide.push(
      i === 1
        ? `  +-+---------------- 1 ----------------`
        : `    +---------------- ${i} ----------------`,
      `    | Error: e${i}`,
      "    |   at throwsValue",
    );
  }
  assert.equal(
    stderr,
    [
      "Exception in thread object:",
      'Uncaught { code: 42, msg: "obj" }', // was "Uncaught an instance of Object"
      "Exception in thread string:",
      'Uncaught "just a string"',
      "Exception in thread null:",
      "Uncaught null",
      "Exception in thread aggregate:",
      "AggregateError: many",
      "  at throwsValue",
      "  +-+---------------- 1 ----------------",
      "    | MyErr: a",
      "    |   at throwsValue",
      "    +---------------- 2 ----------------",
      "    | RangeError: c",
      "    |   at throwsValue",
      "    | ",
      "    | The above exception was the direct cause of the following exception:",
      "    | ",
      "    | TypeError: b",
      "    |   at throwsValue",
      "    +------------------------------------",
      "Exception in thread wide:",
      "AggregateError: wide",
      "  at throwsValue",
      ...wide,
      "    +---------------- ... ----------------",
      "    | and 2 more exceptions",
      "    +------------------------------------",
      "",
    ].join("\n"),
  );
});

Deno.test("logging.exception in a thread: the error's traceback as the excepthook prints it", async () => {
  const { stderr } = await run("log");
  assert.equal(
    stderr,
    [
      // No error: the message alone (JavaScript has no current exception).
      "logger ERROR no error passed",
      // Python's spelling: the error is the message's argument, and its traceback follows.
      "logger ERROR failed as the message's argument",
      "MyErr: as the message's argument",
      "  at logs", // and none of the library's frames (Thread.run, the Worker's loop)
      "logger ERROR as the message",
      "MyErr: as the message",
      "  at logs",
      "logger ERROR failed in step 2",
      "TypeError: the cause",
      "  at logs",
      "",
      "The above exception was the direct cause of the following exception:",
      "",
      "MyErr: after the arguments",
      "  at logs",
      // error() takes an Error the message uses as an argument only (Python's exc_info
      // is exception()'s alone).
      "logger ERROR error() with an argument: no traceback",
      "",
    ].join("\n"),
  );
});

Deno.test("errorName(): the class's name where the name is only inherited", () => {
  class Plain extends Error {}
  class Sub extends TypeError {}
  class Chosen extends Error {
    override name = "Chosen!";
  }
  class OnProto extends Error {}
  OnProto.prototype.name = "Proto";
  class UnderProto extends OnProto {}
  class LibSub extends ThreadError {}
  assert.equal(errorName(new Error("x")), "Error");
  assert.equal(errorName(new TypeError("x")), "TypeError");
  assert.equal(errorName(new Plain("x")), "Plain");
  assert.equal(errorName(new Sub("x")), "Sub");
  assert.equal(errorName(new Chosen("x")), "Chosen!");
  assert.equal(errorName(new OnProto("x")), "Proto");
  assert.equal(errorName(new UnderProto("x")), "UnderProto");
  assert.equal(errorName(new ThreadError("x")), "ThreadError");
  assert.equal(errorName(new LibSub("x")), "LibSub");
  assert.equal(errorName(new DOMException("x", "AbortError")), "AbortError");
  // An anonymous class keeps the inherited name.
  const Anonymous = (() => class extends Error {})();
  assert.equal(errorName(new Anonymous("x")), "Error");
  // The stack itself is not changed.
  const e = new Plain("kept");
  assert.match(e.stack!, /^Error: kept\n/);
  assert.match(tracebackText(e, String), /^Plain: kept\n {4}at /);
  assert.match(e.stack!, /^Error: kept\n/);
  // Without a stack: CPython's last line.
  const bare = new Plain("no stack");
  Object.defineProperty(bare, "stack", { value: undefined });
  assert.equal(tracebackText(bare, String), "Plain: no stack");
  assert.equal(tracebackText("text", (v) => `other ${v}`), "other text");
});

Deno.test("logging.exception in the main thread: class name and the error used by the message", () => {
  class ParseError extends Error {}
  const lines: string[] = [];
  const stream = {
    writeSync(bytes: Uint8Array): number {
      lines.push(new TextDecoder().decode(bytes));
      return bytes.length;
    },
  };
  logging.basicConfig({ format: "%(levelname)s %(message)s", stream, force: true });
  const e = new ParseError("bad input");
  logging.exception("failed: %s", e);
  logging.getLogger("x").exception("failed %r", e);
  logging.exception("nothing to trace");
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^ERROR failed: bad input\nParseError: bad input\n {4}at /);
  assert.match(
    lines[1],
    /^ERROR failed ParseError\('bad input'\)\nParseError: bad input\n/,
  );
  assert.equal(lines[2], "ERROR nothing to trace\n");
  logging.basicConfig({ stream: "stderr", force: true });
});
