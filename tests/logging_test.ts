// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import {
  configureSync,
  getConfig,
  getLogger as getLogTapeLogger,
  type LogRecord,
  resetSync,
} from "@logtape/logtape";
import * as logging from "../src/logging.ts";
import * as threading from "../src/threading.ts";
import * as stdLog from "./fixtures/@std/log/mod.ts";
import { formatMessage, pyRepr, pyStr, strftime } from "../src/_format.ts";

const decoder = new TextDecoder();

/** A stream that keeps what is written, one entry a write. */
function capture(): { lines: string[]; stream: logging.SyncWriter } {
  const lines: string[] = [];
  return {
    lines,
    stream: {
      writeSync(bytes: Uint8Array): number {
        lines.push(decoder.decode(bytes));
        return bytes.length;
      },
    },
  };
}

/** Configures logging (forced) to a capture stream at DEBUG and returns its lines. */
function configure(
  format: string,
  options: logging.BasicConfigOptions = {},
): string[] {
  const { lines, stream } = capture();
  logging.basicConfig({ level: logging.DEBUG, format, stream, force: true, ...options });
  return lines;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** A LogTape record of the main thread at a fixed local time: 2018-05-01 15:39:49,561. */
const WHEN = new Date(2018, 4, 1, 15, 39, 49, 561).getTime();

function record(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    category: ["app", "db"],
    level: "warning",
    message: ["Sleeping 0.47"],
    rawMessage: "Sleeping 0.47",
    timestamp: WHEN,
    properties: {},
    ...overrides,
  };
}

Deno.test("pythonFormatter() formats every field with width, alignment and precision", async (t) => {
  const cases: [string, string][] = [
    ["%(threadName)s", "MainThread"],
    ["(%(threadName)-10s)", "(MainThread)"],
    ["(%(threadName)-12s)", "(MainThread  )"],
    ["(%(threadName)12s)", "(  MainThread)"],
    ["(%(threadName).4s)", "(Main)"],
    ["%(thread)d", "1"],
    ["%(thread)5d|", "    1|"],
    ["%(thread)-5d|", "1    |"],
    ["%(thread)05d", "00001"],
    ["%(levelname)s", "WARNING"],
    ["[%(levelname)-8s]", "[WARNING ]"],
    ["%(levelno)d %(levelno)s %(levelno)x", "30 30 1e"],
    ["%(name)s", "app.db"],
    ["%(message)s", "Sleeping 0.47"],
    ["%(message)20s|", "       Sleeping 0.47|"],
    ["%(message)r", "'Sleeping 0.47'"],
    ["%(msg)s", "Sleeping 0.47"],
    ["%(created).3f", (WHEN / 1000).toFixed(3)],
    ["%(created)d", String(Math.floor(WHEN / 1000))],
    ["%(msecs)d %(msecs)03d", "561 561"],
    ["%(msecs)s", "561.0"],
    ["%(process)d", String(Deno.pid)],
    ["%(processName)s", "MainProcess"],
    ["%(taskName)s", "None"],
    ["%(asctime)s", "2018-05-01 15:39:49,561"],
    ["%(asctime)-25s|", "2018-05-01 15:39:49,561  |"],
    ["%(filename)s:%(lineno)d %(funcName)s", "(unknown file):0 (unknown function)"],
    ["100%% %(levelname)s", "100% WARNING"],
  ];
  for (const [format, expected] of cases) {
    await t.step(format, () => {
      assert.equal(logging.pythonFormatter(format)(record()), expected + "\n");
    });
  }
  await t.step("%(relativeCreated)d counts milliseconds", () => {
    const now = Date.now();
    const line = logging.pythonFormatter("%(relativeCreated)d")(
      record({ timestamp: now }),
    );
    assert.match(line, /^\d+\n$/);
  });
  await t.step("%(name)s of the root category is root", () => {
    assert.equal(logging.pythonFormatter("%(name)s")(record({ category: [] })), "root\n");
  });
  await t.step("levels of LogTape map to Python's", () => {
    const f = logging.pythonFormatter("%(levelname)s %(levelno)d");
    const names = ["trace", "debug", "info", "warning", "error", "fatal"] as const;
    assert.deepEqual(names.map((level) => f(record({ level }))), [
      "TRACE 5\n",
      "DEBUG 10\n",
      "INFO 20\n",
      "WARNING 30\n",
      "ERROR 40\n",
      "CRITICAL 50\n",
    ]);
  });
  await t.step("a record's threadName and thread properties win", () => {
    const f = logging.pythonFormatter("(%(threadName)-10s) %(thread)d");
    assert.equal(
      f(record({ properties: { threadName: "worker", thread: 7 } })),
      "(worker    ) 7\n",
    );
  });
  await t.step("LogTape message values print as Python's str()", () => {
    const f = logging.pythonFormatter("%(message)s");
    assert.equal(
      f(record({ message: ["Running: ", ["0", "1"], " ok ", true, ""] })),
      "Running: ['0', '1'] ok True\n",
    );
  });
});

Deno.test("datefmt takes time.strftime codes", async (t) => {
  const cases: [string, string][] = [
    ["%Y-%m-%d %H:%M:%S", "2018-05-01 15:39:49"],
    ["%y/%m/%d", "18/05/01"],
    ["%a %A %b %B", "Tue Tuesday May May"],
    ["%I:%M %p", "03:39 PM"],
    ["%j %w %e", "121 2  1"],
    ["%x %X", "05/01/18 15:39:49"],
    ["%c", "Tue May  1 15:39:49 2018"],
    ["%U %W", "17 18"],
    ["%% %s", `% ${Math.floor(WHEN / 1000)}`],
  ];
  for (const [datefmt, expected] of cases) {
    await t.step(datefmt, () => {
      assert.equal(
        logging.pythonFormatter("%(asctime)s", datefmt)(record()),
        expected + "\n",
      );
      assert.equal(strftime(datefmt, WHEN), expected);
    });
  }
  await t.step("%z is the local offset", () => {
    const off = -new Date(WHEN).getTimezoneOffset();
    const sign = off < 0 ? "-" : "+";
    const a = Math.abs(off);
    assert.equal(strftime("%z", WHEN), `${sign}${two(Math.floor(a / 60))}${two(a % 60)}`);
  });
});

Deno.test("message arguments format as Python's msg % args", async (t) => {
  // Each expected text was printed by CPython 3.11 for the same template and arguments.
  const cases: [string, unknown[], string][] = [
    ["Sleeping %0.02f", [0.4712], "Sleeping 0.47"],
    ["Sleeping %0.2f", [0.475], "Sleeping 0.47"],
    ["%5.1f|%-6d|%06.2f|", [3.14159, 42, 3.14159], "  3.1|42    |003.14|"],
    ["%x %X %#x %#o %o", [255, 255, 255, 8, 8], "ff FF 0xff 0o10 10"],
    [
      "%e %E %.2e %10.3e|",
      [12345.678, 0.000123, 1e100, -5.5],
      "1.234568e+04 1.230000E-04 1.00e+100 -5.500e+00|",
    ],
    [
      "%g %g %g %g %g %g %g",
      [1e16, 100000, 1000000, 1.5, 0.0001, 0.00001, 123456789],
      "1e+16 100000 1e+06 1.5 0.0001 1e-05 1.23457e+08",
    ],
    [
      "%.3g %#g %G %.0g %.10g",
      [3.14159, 1.5, 1e-20, 2.5, 0.1],
      "3.14 1.50000 1E-20 2 0.1",
    ],
    ["%s %s %s %s %s", [true, false, null, undefined, "x"], "True False None None x"],
    ["%r %r %r", ["it's", 'a"b', "a'b\"c\n\t\\"], `"it's" 'a"b' 'a\\'b"c\\n\\t\\\\'`],
    ["Running: %s", [["0", "1"]], "Running: ['0', '1']"],
    ["%s|%r", [["0", "1"], ["0", 1, true, null]], "['0', '1']|['0', 1, True, None]"],
    ["%s", [{ a: "A" }], "{'a': 'A'}"],
    ["%s", [{ a: "A", b: [1, 2] }], "{'a': 'A', 'b': [1, 2]}"],
    ["%s %s", [new Map([["k", 1]]), new Set([1, 2])], "{'k': 1} {1, 2}"],
    ["%(a)s and %(b)r %(c)05d", [{ a: 1, b: "x", c: 42 }], "1 and 'x' 00042"],
    ["%d %i %d %d", [3.9, -3.9, true, 0], "3 -3 1 0"],
    ["%d", [12345678901234567890n], "12345678901234567890"],
    ["%+d % d %+.1f % .1f", [5, 5, 2.25, 2.25], "+5  5 +2.2  2.2"],
    ["%-10s|%10s|%.2s|", ["ab", "cd", "xyz"], "ab        |        cd|xy|"],
    ["%c%c", [65, "z"], "Az"],
    ["100%% sure %s", ["yes"], "100% sure yes"],
    ["%*d|%-*d|%.*f", [5, 42, 4, 7, 2, 3.14159], "   42|7   |3.14"],
    ["%s %s", [0.1, 1e-7], "0.1 1e-07"],
    ["%s %s %s", [1e22, 123.456, -0.5], "1e+22 123.456 -0.5"],
    ["%f %f", [1e20, 0], "100000000000000000000.000000 0.000000"],
    ["%.0f %.0f %.0f", [0.5, 1.5, 2.5], "0 2 2"],
    ["%.0e %.0e %.1e", [2.5, 9.5, 1.25], "2e+00 1e+01 1.2e+00"],
    [
      "%5s|%-5s|%05d|%-05d|%5.1s|",
      ["a", "b", 3, 4, "xyz"],
      "    a|b    |00003|4    |    x|",
    ],
    ["%o %x", [-8, -255], "-10 -ff"],
    ["%.3d|%5.3d", [7, -7], "007| -007"],
    ["%f %F %e", [Infinity, -Infinity, NaN], "inf -INF nan"],
    ["%s %r", [{}, []], "{} []"],
    ["no args %s", [], "no args %s"],
    ["%s", [new Error("boom")], "boom"],
    ["%r", [new TypeError("boom")], "TypeError('boom')"],
  ];
  for (const [msg, args, expected] of cases) {
    await t.step(`${msg} % ${pyRepr(args)}`, () => {
      assert.equal(formatMessage(msg, args), expected);
    });
  }
  const errors: [string, unknown[], ErrorConstructor, RegExp][] = [
    ["%d", ["x"], TypeError, /%d format: a real number is required, not str/],
    ["%s %s", [1], TypeError, /not enough arguments/],
    ["%s", [1, 2], TypeError, /not all arguments converted/],
    ["%(a)s", [{ b: 1 }], TypeError, /no key 'a'/],
    ["%(a)s", [1, 2], TypeError, /needs a single object argument/],
    ["%x", [3.5], TypeError, /%x format: an integer is required, not float/],
    ["%f", ["x"], TypeError, /%f format: a real number is required, not str/],
    ["%d", [NaN], RangeError, /NaN/],
    ["%q", [1], RangeError, /unsupported conversion "%q"/],
    ["%(a", [{ a: 1 }], RangeError, /unterminated/],
    ["%", [1], RangeError, /incomplete conversion/],
  ];
  for (const [msg, args, type, pattern] of errors) {
    await t.step(`${msg} % ${pyRepr(args)} throws ${type.name}`, () => {
      assert.throws(() => formatMessage(msg, args), (e: Error) => {
        assert.ok(e instanceof type, `${e.name}: ${e.message}`);
        assert.match(e.message, pattern);
        return true;
      });
    });
  }
});

Deno.test("pyStr() and pyRepr() print JavaScript values as Python would", () => {
  assert.equal(pyStr(["0", "1"]), "['0', '1']");
  assert.equal(pyStr({ a: "A" }), "{'a': 'A'}");
  assert.equal(pyStr(new Set()), "set()");
  assert.equal(pyRepr("x"), "'x'");
  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  assert.equal(pyStr(cyclic), "[1, [...]]");
  class WithToString {
    toString() {
      return "custom";
    }
  }
  assert.equal(pyStr(new WithToString()), "custom");
  assert.equal(pyStr(function named() {}), "<function named>");
});

Deno.test("basicConfig() pads the thread name as the seeds do", () => {
  const lines = configure("(%(threadName)-10s) %(message)s");
  logging.debug("Starting");
  logging.debug("Sleeping %0.02f", 0.4712);
  const seeds = configure("[%(levelname)s] (%(threadName)-10s) %(message)s");
  logging.debug("Exiting");
  assert.deepEqual(lines, ["(MainThread) Starting\n", "(MainThread) Sleeping 0.47\n"]);
  assert.deepEqual(seeds, ["[DEBUG] (MainThread) Exiting\n"]);
});

Deno.test("basicConfig() and logging calls leave LogTape unconfigured", () => {
  const lines = configure("%(message)s");
  logging.debug("one");
  logging.getLogger("unconfigured.named").warning("two");
  assert.equal(getConfig(), null);
  configureSync({
    sinks: {},
    loggers: [{ category: ["logtape", "meta"], lowestLevel: "warning" }],
  });
  resetSync();
  assert.deepEqual(lines, ["one\n", "two\n"]);
});

Deno.test("basicConfig() configures once unless force is true", () => {
  const first = configure("first %(message)s");
  const second = capture();
  logging.basicConfig({ format: "second %(message)s", stream: second.stream });
  logging.info("kept");
  assert.deepEqual(first, ["first kept\n"]);
  assert.deepEqual(second.lines, []);
});

Deno.test("basicConfig() checks its options at configuration time", async (t) => {
  const lines = configure("good %(message)s");
  const bad: [logging.BasicConfigOptions, ErrorConstructor, RegExp][] = [
    [{ format: "hello" }, RangeError, /needs at least one field/],
    [{ format: "%(message)" }, RangeError, /incomplete conversion/],
    [{ format: "%(message)q" }, RangeError, /unsupported conversion "%q"/],
    [{ format: "%(foo)s" }, RangeError, /unknown field %\(foo\)s/],
    [{ format: "%s" }, RangeError, /names none/],
    [{ format: "%(message" }, RangeError, /unterminated/],
    [
      { format: "%(threadName)d" },
      TypeError,
      /%d format: a real number is required, not str/,
    ],
    [{ format: "%(message)*s" }, RangeError, /"\*" width/],
    [{ format: 42 as unknown as string }, TypeError, /format must be a string/],
    [
      { format: "%(asctime)s", datefmt: "%Q" },
      RangeError,
      /unsupported datefmt code "%Q"/,
    ],
    [{ level: "LOUD" }, RangeError, /unknown level name/],
    [{ level: 1.5 }, RangeError, /non-negative integer/],
    [
      { level: {} as unknown as number },
      TypeError,
      /a level is a number or a level name/,
    ],
    [{ stream: 42 as unknown as "stderr" }, TypeError, /stream must be/],
    [{ style: "{" as "%" }, RangeError, /only the "%" style/],
    [
      { filename: "x.log" } as logging.BasicConfigOptions,
      RangeError,
      /unsupported option/,
    ],
    [{ force: "yes" as unknown as boolean }, TypeError, /force must be a boolean/],
  ];
  for (const [options, type, pattern] of bad) {
    await t.step(JSON.stringify(options), () => {
      assert.throws(
        () => logging.basicConfig({ ...options, force: options.force ?? true }),
        (e: Error) => {
          assert.ok(e instanceof type, `${e.name}: ${e.message}`);
          assert.match(e.message, pattern);
          assert.match(e.message, /^Cannot configure logging: /);
          return true;
        },
      );
    });
  }
  await t.step("the configuration in force is kept", () => {
    logging.info("still %s", "good");
    assert.deepEqual(lines, ["good still good\n"]);
  });
});

Deno.test("levels: names, numbers, setLevel and inheritance by dotted name", () => {
  const lines = configure("%(levelname)s:%(name)s:%(message)s", { level: "info" });
  const app = logging.getLogger("lv");
  const db = logging.getLogger("lv.db");
  assert.equal(db.parent, app);
  assert.equal(app.getChild("db"), db);
  assert.equal(db.getEffectiveLevel(), logging.INFO);
  db.debug("hidden");
  app.setLevel("DEBUG");
  assert.equal(db.level, logging.NOTSET);
  assert.equal(db.getEffectiveLevel(), logging.DEBUG);
  db.debug("shown %d", 1);
  db.setLevel(logging.ERROR);
  db.warning("hidden");
  db.log("CRITICAL", "log(%s)", "name");
  db.log(45, "log(%d)", 45);
  db.setLevel(logging.NOTSET);
  db.info("inherits again");
  logging.log(logging.INFO, "root %s", "log");
  logging.critical("c");
  logging.getLogger("lv").fatal("f");
  assert.deepEqual(lines, [
    "DEBUG:lv.db:shown 1\n",
    "CRITICAL:lv.db:log(name)\n",
    "Level 45:lv.db:log(45)\n",
    "INFO:lv.db:inherits again\n",
    "INFO:root:root log\n",
    "CRITICAL:root:c\n",
    "CRITICAL:lv:f\n",
  ]);
  assert.equal(logging.getLevelName(logging.WARNING), "WARNING");
  assert.equal(logging.getLevelName("DEBUG"), 10);
  assert.throws(() => db.setLevel(-1), RangeError);
  assert.throws(() => db.log("LOUD", "x"), RangeError);
  assert.equal(logging.getLogger("root"), logging.getLogger());
  assert.equal(logging.getLogger().name, "root");
  app.setLevel(logging.NOTSET);
});

Deno.test("a trailing Error the message does not use is logged with its stack", () => {
  const lines = configure("%(levelname)s %(message)s");
  const error = new TypeError("boom");
  logging.exception("failed: %s", "x", error);
  logging.error("as an argument: %s", error);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^ERROR failed: x\nTypeError: boom\n {4}at /);
  assert.equal(lines[1], "ERROR as an argument: boom\n");
});

Deno.test("caller fields come from the stack when the format uses them", () => {
  const lines = configure("%(filename)s:%(lineno)d %(funcName)s %(module)s %(pathname)s");
  function whoCalls() {
    logging.info("x");
  }
  whoCalls();
  const path = decodeURIComponent(new URL(import.meta.url).pathname);
  assert.match(lines[0], /^logging_test\.ts:\d+ whoCalls logging_test /);
  assert.ok(lines[0].endsWith(` ${path}\n`), lines[0]);
});

Deno.test("records reach LogTape with threadName and thread properties", () => {
  const seen: LogRecord[] = [];
  logging.basicConfig({ level: logging.DEBUG, force: true, stream: capture().stream });
  configureSync({
    reset: true,
    sinks: { seen: (r: LogRecord) => seen.push(r) },
    loggers: [
      { category: "lt", sinks: ["seen"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
  });
  try {
    logging.getLogger("lt.sub").info("Running: %s", ["0"]);
    getLogTapeLogger(["lt"]).info("from LogTape {x}", { x: 1 });
    assert.equal(seen.length, 2);
    const [ours, theirs] = seen;
    assert.deepEqual(ours.category, ["lt", "sub"]);
    assert.equal(ours.level, "info");
    assert.deepEqual(ours.message, ["Running: ['0']"]);
    assert.equal(ours.rawMessage, "Running: %s");
    assert.equal(ours.properties.threadName, "MainThread");
    assert.equal(ours.properties.thread, 1);
    assert.equal(ours.properties.levelno, logging.INFO);
    const f = logging.pythonFormatter(
      "(%(threadName)s) %(levelname)s:%(name)s:%(message)s",
    );
    assert.equal(f(ours), "(MainThread) INFO:lt.sub:Running: ['0']\n");
    assert.equal(f(theirs), "(MainThread) INFO:lt:from LogTape 1\n");
  } finally {
    resetSync();
  }
});

Deno.test("withThreadName() and pythonSink() serve a LogTape configuration of one's own", () => {
  const seen: LogRecord[] = [];
  const { lines, stream } = capture();
  configureSync({
    reset: true,
    sinks: {
      tagged: logging.withThreadName((r: LogRecord) => seen.push(r)),
      python: logging.pythonSink({ format: "[%(threadName)s] %(message)s", stream }),
    },
    loggers: [
      { category: "own", sinks: ["tagged", "python"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
  });
  try {
    getLogTapeLogger("own").debug("hello {who}", { who: "you" });
    assert.equal(seen[0].properties.threadName, "MainThread");
    assert.equal(seen[0].properties.thread, 1);
    assert.equal(seen[0].properties.who, "you");
    assert.deepEqual(lines, ["[MainThread] hello you\n"]);
  } finally {
    resetSync();
  }
});

Deno.test("basicConfig's sink comes back after LogTape is reset in the thread", () => {
  const lines = configure("%(message)s");
  logging.info("before");
  resetSync();
  logging.info("after");
  assert.deepEqual(lines, ["before\n", "after\n"]);
});

Deno.test("stdLogFormatter() formats @std/log-shaped records", () => {
  const f = logging.stdLogFormatter(
    "%(asctime)s (%(threadName)-10s) %(levelname)s %(name)s %(message)s",
  );
  const line = f({
    msg: "Sleeping %0.02f of %s",
    args: [0.4712, ["a"]],
    datetime: new Date(WHEN),
    level: 30,
    levelName: "WARN",
    loggerName: "default",
  });
  assert.equal(
    line,
    "2018-05-01 15:39:49,561 (MainThread) WARNING default Sleeping 0.47 of ['a']",
  );
  const loose = logging.stdLogFormatter("%(message)s")({
    msg: "no conversions",
    args: [{ extra: 1 }],
    datetime: new Date(WHEN),
    levelName: "INFO",
    loggerName: "x",
  });
  assert.equal(loose, "no conversions {'extra': 1}");
});

// ---- Real threads, in a subprocess that logs to stderr ----

const FIXTURE = new URL("./fixtures/logging_threads.ts", import.meta.url);

async function runFixture(...args: string[]): Promise<string[]> {
  return (await runFixtureBoth(...args)).stderr;
}

async function runFixtureBoth(
  ...args: string[]
): Promise<{ stdout: string[]; stderr: string[] }> {
  return await runProgram(FIXTURE, [], args);
}

/** Runs a fixture program with `deno run --allow-read`; its exit code must be 0. */
async function runProgram(
  program: URL,
  flags: string[],
  args: string[],
): Promise<{ stdout: string[]; stderr: string[] }> {
  const { code, stdout, stderr: err } = await runDeno(
    ["run", "--allow-read", ...flags, program.href, ...args],
    { cwd: new URL("../", import.meta.url), stdin: "null" },
  );
  assert.equal(code, 0, `exit code ${code}; stdout:\n${stdout}\nstderr:\n${err}`);
  const lines = (text: string) => text.split("\n").filter((line) => line !== "");
  // Deno's own progress on a cold cache (an npm package fetched the first time).
  const own = (line: string) => /^Download /.test(line);
  return {
    stdout: lines(stdout),
    stderr: lines(err).filter((line) => !own(line)),
  };
}

Deno.test("a configuration made in the main thread holds in every thread", async () => {
  const lines = await runFixture("inherit");
  assert.deepEqual(lines, [
    "(MainThread) DEBUG:root main configured",
    "(early     ) DEBUG:root early thread: configured after my start",
    "(parent    ) INFO:root parent says hi",
    "(grandchild) DEBUG:root grandchild of MainThread",
    "(grandchild) ERROR:root grandchild error ['x']",
    "(parent    ) WARNING:app.db parent: named logger 7",
    "(early     ) INFO:root early thread: info after setLevel(INFO)",
    "(MainThread) INFO:root main done",
  ]);
});

Deno.test("a configuration made in a thread holds in the main thread and later threads", async () => {
  const { stdout, stderr } = await runFixtureBoth("from-thread");
  assert.deepEqual(stderr, []);
  assert.deepEqual(stdout, [
    "configurer|INFO|configured in a thread",
    "MainThread|INFO|main follows",
    "later|WARNING|later thread",
  ]);
});

Deno.test("without basicConfig, logging prints what Python prints", async () => {
  const lines = (await runFixture("default")).map((line) =>
    line.replace(
      /^ {4}at (?:(\S+) \()?file:\S*\/logging_threads\.ts:\d+:\d+\)?$/,
      "  at $1",
    )
  );
  assert.deepEqual(lines, [
    "named before config",
    "--- Logging error ---",
    "TypeError: Cannot format message: %d format: a real number is required, not str",
    // CPython's "Call stack:": where the faulty call is (the most recent frame first).
    "Call stack:",
    "  at defaults",
    "  at ",
    "Message: 'bad %d'",
    "Arguments: ['x']",
    "named in thread, no config",
    "WARNING:root:root warning",
    "WARNING:named:named after config",
  ]);
});

Deno.test("lines of threads writing at once never mix", async () => {
  const threads = 4;
  const count = 150;
  const length = 2000;
  const lines = await runFixture(
    "interleave",
    String(threads),
    String(count),
    String(length),
  );
  assert.equal(lines.length, threads * count);
  const next = new Map<string, number>();
  for (const line of lines) {
    const m = /^\(w([a-z])\) ([a-z]+) (\d+)$/.exec(line);
    assert.ok(m, `a mixed line: ${line.slice(0, 80)}…`);
    const [, letter, body, index] = m;
    assert.equal(body, letter.repeat(length));
    assert.equal(Number(index), next.get(letter) ?? 0, "each thread's lines in order");
    next.set(letter, Number(index) + 1);
  }
  assert.equal(next.size, threads);
});

Deno.test("mod.ts exports logging as a namespace: logging.Logger is a type", () => {
  const log: threading.logging.Logger = threading.logging.getLogger("ns.type");
  const level: threading.logging.Level = threading.logging.INFO;
  assert.ok(log instanceof threading.logging.Logger);
  assert.equal(threading.logging.getLevelName(level as number), "INFO");
});

// ---- The app's own LogTape configuration, with real threads ----

const APP = new URL("./fixtures/logging_app.ts", import.meta.url);

interface JsonRecord {
  category: string;
  level: string;
  message: string;
  threadName: string | null;
  thread: number | null;
}

async function runApp(
  flags: string[],
  ...args: string[]
): Promise<{ records: JsonRecord[]; stdout: string[]; stderr: string[] }> {
  const { stdout, stderr } = await runProgram(APP, flags, args);
  const records = stdout.filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line) as JsonRecord
  );
  return { records, stdout, stderr };
}

Deno.test("logging never configures LogTape: an app's configure() after a log call at import works", async () => {
  const { records, stderr } = await runApp([], "after");
  assert.deepEqual(stderr, ["WARNING:app.dep:dependency: warning at import"]);
  assert.deepEqual(records, [
    {
      category: "app.main",
      level: "debug",
      message: "main: debug after configure()",
      threadName: "MainThread",
      thread: 1,
    },
  ]);
});

Deno.test("an app's configure() before the library logs takes its records, debug included", async () => {
  const { records, stderr } = await runApp([], "before");
  assert.deepEqual(stderr, []);
  assert.deepEqual(records.map((r) => `${r.level} ${r.category} ${r.message}`), [
    "warning app.dep dependency: warning at import",
    "debug app.main main: debug",
  ]);
});

/** Checks the records of the `threads` mode: every thread's, with names, none lost. */
function checkThreadRecords(records: JsonRecord[], burst: number): void {
  const byThread = new Map<string, string[]>();
  for (const r of records) {
    assert.equal(typeof r.thread, "number", `thread ident missing: ${JSON.stringify(r)}`);
    const list = byThread.get(r.threadName!) ?? [];
    list.push(r.message);
    byThread.set(r.threadName!, list);
  }
  assert.deepEqual(byThread.get("MainThread"), [
    "main: debug",
    "main: LogTape's own logger",
    "main: done",
  ]);
  for (const name of ["first", "second", "third", "starter", "grandchild"]) {
    const got = byThread.get(name) ?? [];
    assert.equal(got.length, 3, `${name}: ${JSON.stringify(got)}`);
    assert.match(got[0], new RegExp(`^${name}: adapter debug, job \\d+ on this Worker$`));
    assert.equal(got[1], `${name}: adapter info`);
    assert.equal(got[2], `${name}: LogTape's own logger`);
  }
  // Threads ran on reused Workers too (a Worker's module globals count its threads).
  assert.ok(
    records.some((r) => / job [2-9]\d* on this Worker$/.test(r.message)),
    "no thread ran on a reused Worker",
  );
  // The app's filter saw threadName: the muted thread's records are gone.
  assert.equal(byThread.get("muted"), undefined);
  // Every record of a thread that logs while the main thread is blocked in join().
  const bursts = byThread.get("burst") ?? [];
  assert.equal(bursts.length, burst);
  bursts.forEach((m, i) => assert.equal(m, `burst ${i}`));
  const idents = new Set(records.map((r) => `${r.threadName}:${r.thread}`));
  assert.equal(idents.size, byThread.size, "one ident per thread name");
}

Deno.test("an app's LogTape configuration holds in every thread, with threadName and thread", async () => {
  const burst = 2000;
  const { records, stderr } = await runApp([], "threads", String(burst));
  assert.deepEqual(stderr, []);
  checkThreadRecords(records, burst);
});

Deno.test("threads that configure LogTape themselves do so on reused Workers too", async () => {
  const { stdout, stderr } = await runApp([], "per-thread", "3");
  assert.deepEqual(stderr, []);
  assert.deepEqual(stdout.map((line) => line.replace(/ job \d+:/, ":")), [
    "self-1: configured in self-1 (self-1)",
    "self-2: configured in self-2 (self-2)",
    "self-3: configured in self-3 (self-3)",
  ]);
  assert.ok(stdout.some((line) => / job [2-9]:/.test(line)), "no reused Worker");
});

const OTHER_COPY = ["--no-lock", "--import-map=tests/fixtures/logtape_other_copy.json"];

for (
  const [version, map] of [["2.3.13", "logtape_other_copy"], ["1.0.0", "logtape_1_0"]]
) {
  Deno.test(`two copies of LogTape: the app's ${version} takes the library's records in every thread`, async () => {
    const flags = ["--no-lock", `--import-map=tests/fixtures/${map}.json`];
    const burst = 500;
    const { records, stderr } = await runApp(flags, "threads", String(burst));
    assert.deepEqual(stderr, []);
    checkThreadRecords(records, burst);
    const after = await runApp(flags, "after");
    assert.deepEqual(after.records.map((r) => r.message), [
      "main: debug after configure()",
    ]);
  });
}

Deno.test("levels: a Python level set filters first; with none set, LogTape's configuration decides", async () => {
  const { stdout, stderr } = await runApp([], "levels");
  assert.deepEqual(stderr, []);
  assert.deepEqual(
    stdout.map((line) => line.startsWith("{") ? JSON.parse(line).message : line),
    [
      "effective app 10, app.quiet 30, enabled debug true",
      "debug passes: LogTape takes debug for app",
      "effective app 20 after setLevel(INFO)",
      "info passes",
      "debug passes again",
    ],
  );
});

Deno.test("an @std/log setup made through configureEveryThread holds in every thread", async () => {
  const { stdout, stderr } = await runApp([], "std");
  assert.deepEqual(stderr, []);
  assert.deepEqual(stdout.map((line) => line.replace(/job \d+/, "job N")), [
    "(MainThread) DEBUG main: debug",
    "(first     ) DEBUG first: debug, job N on this Worker",
    "(first     ) INFO first: info",
    "(second    ) DEBUG second: debug, job N on this Worker",
    "(second    ) INFO second: info",
    "(starter   ) DEBUG starter: debug, job N on this Worker",
    "(starter   ) INFO starter: info",
    "(grandchild) DEBUG grandchild: debug, job N on this Worker",
    "(grandchild) INFO grandchild: info",
    "(MainThread) INFO main: done",
  ]);
  assert.ok(stdout.some((line) => /job [2-9]/.test(line)), "no reused Worker");
});

/** An `@std/log` handler (of the stand-in) that keeps its lines. */
class Collect extends stdLog.BaseHandler {
  lines: string[] = [];
  override log(msg: string): void {
    this.lines.push(msg);
  }
}

function stdLogger(format: string): { logger: stdLog.Logger; lines: string[] } {
  const handler = new Collect("DEBUG", { formatter: logging.stdLogFormatter(format) });
  stdLog.setup({
    handlers: { collect: handler },
    loggers: { std: { level: "DEBUG", handlers: ["collect"] } },
  });
  return { logger: stdLog.getLogger("std"), lines: handler.lines };
}

Deno.test("stdLogFormatter(): caller fields name the caller, not @std/log's frames", () => {
  const { logger, lines } = stdLogger("%(filename)s:%(lineno)d %(funcName)s %(module)s");
  function callsStdLog() {
    logger.info("x");
  }
  callsStdLog();
  assert.match(lines[0], /^logging_test\.ts:\d+ callsStdLog logging_test$/);
});

Deno.test("stdLogFormatter(): a trailing Error argument keeps its stack", () => {
  const { logger, lines } = stdLogger("%(levelname)s %(message)s");
  const error = new RangeError("bad value");
  logger.error("failed", error);
  logger.error("failed in %s", "step 2", error);
  logger.error("as an argument: %s", error);
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^ERROR failed\nRangeError: bad value\n {4}at /);
  assert.match(lines[1], /^ERROR failed in step 2\nRangeError: bad value\n {4}at /);
  assert.equal(lines[2], "ERROR as an argument: bad value");
});

Deno.test("stdLogFormatter(): arguments that do not fit give Python's --- Logging error ---", () => {
  const { logger, lines } = stdLogger("%(levelname)s %(message)s");
  logger.info("%d items", "x");
  logger.info("%s and %s", "one");
  logger.info("%s", "one", "two");
  logger.info("no conversions", { extra: 1 });
  // The call stack's first frame is this test's logging call (not @std/log's frames).
  const calls = lines.map((line) =>
    line.replace(
      /\nCall stack:\n {4}at (?:\S+ \()?file:\S*\/logging_test\.ts:\d+:\d+\)?(?:\n {4}at [^\n]*)*/,
      "\nCall stack: here",
    )
  );
  assert.deepEqual(calls, [
    "--- Logging error ---\n" +
    "TypeError: Cannot format message: %d format: a real number is required, not str\n" +
    "Call stack: here\n" +
    "Message: '%d items'\nArguments: ['x']",
    "--- Logging error ---\n" +
    "TypeError: Cannot format message: not enough arguments for the format string, it needs 2, received 1\n" +
    "Call stack: here\n" +
    "Message: '%s and %s'\nArguments: ['one']",
    "--- Logging error ---\n" +
    "TypeError: Cannot format message: not all arguments converted during string formatting, it takes 1, received 2\n" +
    "Call stack: here\n" +
    "Message: '%s'\nArguments: ['one', 'two']",
    "INFO no conversions {'extra': 1}",
  ]);
});

Deno.test("two copies of LogTape: a thread that configures the app's copy on a reused Worker is told once what to change", async () => {
  const { stdout, stderr } = await runApp(OTHER_COPY, "per-thread", "3");
  assert.match(stdout[0], /^self-1 job 1: configured in self-1 \(self-1\)$/);
  const warnings = stderr.filter((line) =>
    line.startsWith("threading: a thread on this")
  );
  assert.equal(warnings.length, 1, stderr.join("\n"));
  assert.match(warnings[0], /another copy of LogTape/);
  assert.match(warnings[0], /"@logtape\/logtape": "npm:@logtape\/logtape@\^2\.4\.2"/);
  assert.ok(stderr.some((line) => /Already configured/.test(line)), "no reused Worker");
});

Deno.test("a thread that replaces the app's configuration leaves the next threads on its Worker the app's", async () => {
  const { stdout, stderr } = await runApp([], "replace");
  assert.deepEqual(stderr, []);
  const lines = stdout.map((line) => {
    if (!line.startsWith("{")) return line;
    const r = JSON.parse(line) as JsonRecord;
    return `${r.threadName}: ${r.message.replace(/, job \d+ on this Worker/, "")}`;
  });
  assert.deepEqual(lines.map((line) => line.replace(/job \d+/, "job N")), [
    "first: first: adapter debug",
    "first: first: adapter info",
    "first: first: LogTape's own logger",
    "replaced: own configuration, job N",
    "after-1: after-1: adapter debug",
    "after-1: after-1: adapter info",
    "after-1: after-1: LogTape's own logger",
    "after-2: after-2: adapter debug",
    "after-2: after-2: adapter info",
    "after-2: after-2: LogTape's own logger",
  ]);
});

Deno.test("threadContext(): LogTape's own records carry threadName and thread before filters, in every thread", async () => {
  const { records, stderr } = await runApp([], "context");
  assert.deepEqual(stderr, []);
  const own = records.filter((r) => r.category === "app.lt");
  assert.deepEqual(own.map((r) => `${r.threadName}: ${r.message}`), [
    "MainThread: main: LogTape's own logger",
    "first: first: LogTape's own logger",
    "second: second: LogTape's own logger",
    "starter: starter: LogTape's own logger",
    "grandchild: grandchild: LogTape's own logger",
  ]);
  for (const r of own) assert.equal(typeof r.thread, "number");
  assert.equal(records.filter((r) => r.threadName === "muted").length, 0);
  assert.throws(
    () => logging.threadContext({} as never),
    (e: Error) => e instanceof TypeError && /run\(\) and getStore\(\)/.test(e.message),
  );
});

Deno.test("records of an asynchronous sink in a thread are written before join() returns", async () => {
  const n = 300;
  const { stdout, stderr } = await runApp([], "stream", String(n));
  assert.deepEqual(stderr, []);
  const expected = [
    ...Array.from({ length: n }, (_, i) => `a burst ${i}`),
    ...Array.from({ length: n }, (_, i) => `b burst ${i}`),
    "MainThread main done",
  ];
  assert.deepEqual(stdout, expected);
});

// ---- A stream that fails: logging never raises (CPython's Handler.handleError) ----

/**
 * Runs the broken-pipe fixture with its stdout read by a reader that takes the first
 * bytes and closes the pipe, as `| head -c 200`.
 */
async function runIntoClosedPipe(
  mode: string,
): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      new URL("./fixtures/logging_broken_pipe.ts", import.meta.url).href,
      mode,
    ],
    cwd: new URL("../", import.meta.url),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // the first bytes, then the reader goes away
  await reader.cancel();
  const [status, err] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  return { code: status.code, stderr: err };
}

for (const mode of ["basic", "sink"]) {
  Deno.test(`a write that fails (closed pipe) is reported, never thrown into the logging call (${mode})`, async () => {
    const { code, stderr } = await runIntoClosedPipe(mode);
    const head = stderr.slice(0, 2000);
    assert.equal(code, 0, `exit code ${code}; stderr begins:\n${head}`);
    assert.doesNotMatch(stderr, /Exception in thread|error: Uncaught/, head);
    // Every call returned (each tag says so), and the program went on to its end.
    const tags = mode === "basic" ? ["A", "B", "M"] : ["M"];
    for (const tag of tags) {
      assert.match(stderr, new RegExp(`^${tag} returned 200$`, "m"));
    }
    assert.match(stderr, /^finished$/m);
    // CPython's report, once per failed record: the header, the traceback, the call
    // stack (the logging call in spam(), LogTape's and the library's frames left out),
    // the record.
    assert.match(
      stderr,
      /--- Logging error ---\nTraceback \(most recent call last\):\nBrokenPipe: Broken pipe[^\n]*\n(?: {4}at [^\n]*\n)*Call stack:\n {4}at spam \([^\n]*logging_broken_pipe\.ts:\d+:\d+\)\n(?: {4}at [^\n]*\n)*Message: '%s:%d:%s'\nArguments: \['M', \d+, 'M+'\]\n/,
    );
    const reports = stderr.split("--- Logging error ---").length - 1;
    assert.ok(reports >= 100, `${reports} reports`);
  });
}
