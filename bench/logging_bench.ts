// Copyright the threading for Deno authors. MIT license.
/**
 * One formatted log line: the logging adapter against a bare `console.log`.
 *
 * How it is measured, so that the two are compared fairly:
 *
 * - `console.log` formats its arguments and hands the line to the runtime, which writes
 *   it to the bench harness's output pipe. Run with `deno bench -q`: the harness then
 *   drops the lines instead of printing them (the measured work is the same).
 * - The logger checks the level, formats `msg % args`, emits a LogTape record (thread
 *   name and ident included), formats the line with the Python format, UTF-8 encodes it
 *   and calls `writeSync` on a stream that discards the bytes: everything but the write
 *   system call, which `console.log`'s figure includes (a `Deno.stderr.writeSync` of
 *   such a line to `/dev/null` costs about 1.7 µs on the 2-core machines).
 *
 * Run: `deno bench -q --allow-read bench/logging_bench.ts`.
 *
 * @module
 */
import { getLogger as getLogTapeLogger } from "@logtape/logtape";
import * as logging from "../src/logging.ts";

let discarded = 0;
const discard: logging.SyncWriter = {
  writeSync(bytes: Uint8Array): number {
    discarded += bytes.length;
    return bytes.length;
  },
};

const FORMAT = "(%(threadName)-10s) %(message)s";
logging.basicConfig({ level: logging.DEBUG, format: FORMAT, stream: discard });
const named = logging.getLogger("bench");
const quiet = logging.getLogger("bench.quiet");
quiet.setLevel(logging.INFO);

const group = "one log line";

Deno.bench({
  name: 'console.log("(%s) Sleeping %s", …)',
  group,
  baseline: true,
  fn() {
    console.log("(%s) Sleeping %s", "MainThread", 0.47);
  },
});

Deno.bench({
  name: 'logging.debug("Sleeping %0.02f", …)',
  group,
  fn() {
    logging.debug("Sleeping %0.02f", 0.4712);
  },
});

Deno.bench({
  name: 'getLogger("bench").debug("Sleeping %0.02f", …)',
  group,
  fn() {
    named.debug("Sleeping %0.02f", 0.4712);
  },
});

Deno.bench({
  name: "debug() below the logger's level (dropped)",
  group,
  fn() {
    quiet.debug("Sleeping %0.02f", 0.4712);
  },
});

const asctime = logging.pythonFormatter(
  "%(asctime)s (%(threadName)-10s) %(levelname)s %(message)s",
);
const plain = logging.pythonFormatter(FORMAT);
const record = {
  category: ["bench"],
  level: "debug" as const,
  message: ["Sleeping 0.47"],
  rawMessage: "Sleeping %0.02f",
  timestamp: Date.now(),
  properties: { threadName: "MainThread", thread: 1 },
};

Deno.bench({
  name: "pythonFormatter() alone, one record",
  group: "formatting only",
  baseline: true,
  fn() {
    plain(record);
  },
});

Deno.bench({
  name: "pythonFormatter() with %(asctime)s",
  group: "formatting only",
  fn() {
    asctime(record);
  },
});

const std = logging.stdLogFormatter(FORMAT);
const stdRecord = {
  msg: "Sleeping %0.02f",
  args: [0.4712],
  datetime: new Date(),
  level: 10,
  levelName: "DEBUG",
  loggerName: "default",
};

Deno.bench({
  name: "stdLogFormatter(), one @std/log record",
  group: "formatting only",
  fn() {
    std(stdRecord);
  },
});

// basicConfig installed its sink on LogTape's root category: LogTape's own loggers
// reach it too, as a LogTape user's records would.
const lt = getLogTapeLogger(["bench", "logtape"]);
Deno.bench({
  name: 'LogTape getLogger().debug("Sleeping {pause}", …) into the same sink',
  group,
  fn() {
    lt.debug("Sleeping {pause}", { pause: 0.47 });
  },
});
