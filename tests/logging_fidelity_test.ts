// Copyright the threading for Deno authors. MIT license.
// The logging adapter against CPython 3.11's own output, for what JavaScript does
// differently underneath: widths and precisions count code points (Python's len(str)),
// not UTF-16 units; %a is Python's ascii(); the module-level names of Python's logging.
// Every expected value below is what python3.11 prints for the same format.
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import * as logging from "../src/logging.ts";
import { formatMessage } from "../src/_format.ts";

Deno.test("message widths and precisions count code points, as Python's len(str)", async (t) => {
  // python3 -c "print(repr('[%-10s|' % 'émoji🚀'))" and so on.
  const cases: [string, unknown[], string][] = [
    ["[%-10s|", ["émoji🚀"], "[émoji🚀    |"],
    ["%5s", ["🚀"], "    🚀"],
    ["%-5s|", ["🚀"], "🚀    |"],
    ["%.2s", ["🚀ab"], "🚀a"],
    ["%5.1s|", ["🚀🚀"], "    🚀|"], // never half a surrogate pair
    ["%-4r|", ["🚀"], "'🚀' |"],
    ["%3c|", ["🚀"], "  🚀|"],
    ["%*s|", [4, "𝔘"], "   𝔘|"],
    ["%-6s|", ["e\u0301"], "e\u0301    |"], // a combining mark is a code point of its own
    ["%a", ["é🚀x"], "'\\xe9\\U0001f680x'"],
    ["%a", [["é", "€"]], "['\\xe9', '\\u20ac']"],
    ["%.3a", ["é"], "'\\x"],
  ];
  for (const [format, args, expected] of cases) {
    await t.step(`${format} % ${JSON.stringify(args)}`, () => {
      assert.equal(formatMessage(format, args), expected);
    });
  }
});

Deno.test("record fields: %(threadName)-10s pads a name with emoji as CPython does", () => {
  const record: LogRecord = {
    category: ["app"],
    level: "warning",
    message: ["rocket 🚀"],
    rawMessage: "rocket 🚀",
    timestamp: Date.now(),
    properties: { threadName: "émoji🚀" },
  };
  // CPython, with threading.current_thread().name = "émoji🚀":
  // "[émoji🚀    |    rocket 🚀|"
  assert.equal(
    logging.pythonFormatter("[%(threadName)-10s|%(message)12s|")(record),
    "[émoji🚀    |    rocket 🚀|\n",
  );
  assert.equal(logging.pythonFormatter("%(threadName).6s|")(record), "émoji🚀|\n");
});

Deno.test("module-level warn() and fatal(), Python's aliases", () => {
  const lines: string[] = [];
  const stream = {
    writeSync(bytes: Uint8Array): number {
      lines.push(new TextDecoder().decode(bytes));
      return bytes.length;
    },
  };
  logging.basicConfig({ format: "%(levelname)s:%(message)s", stream, force: true });
  logging.warn("old %s", "spelling");
  logging.fatal("fatal %d", 1);
  assert.deepEqual(lines, ["WARNING:old spelling\n", "CRITICAL:fatal 1\n"]);
  logging.basicConfig({ stream: "stderr", force: true });
});
