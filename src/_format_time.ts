// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `time.strftime` for the logging adapter's `datefmt`, in the C locale and the
 * local time zone, with its codes checked once at configuration time
 * ({@linkcode checkStrftime}).
 *
 * @module
 */
import { RangeError } from "./_caller_stack.ts";

/** A number below 100 in two digits (`07`). */
export function two(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

const DAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const STRFTIME_CODES = "aAbBcdeHIjmMpSUwWxXyYzZsn%t";

/**
 * Checks a `datefmt` once, so that a bad one fails at configuration time.
 *
 * @param fmt The `time.strftime` format.
 * @throws {RangeError} If it has a code this implementation does not know.
 */
export function checkStrftime(fmt: string): void {
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== "%") continue;
    const code = fmt[++i];
    if (code === undefined || !STRFTIME_CODES.includes(code)) {
      throw new RangeError(
        `Cannot configure logging: unsupported datefmt code "%${
          code ?? ""
        }" (supported: ${[...STRFTIME_CODES].map((c) => "%" + c).join(" ")}), received ${
          JSON.stringify(fmt)
        }`,
      );
    }
  }
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.round(
    (new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) /
      864e5,
  ) + 1;
}

function weekNumber(d: Date, firstDay: number): number {
  const yday = dayOfYear(d) - 1;
  const wday = (d.getDay() - firstDay + 7) % 7;
  return Math.floor((yday + 7 - wday) / 7);
}

let zoneName: string | undefined;

/**
 * Python's `time.strftime(fmt, time.localtime(ms / 1000))`, in the C locale.
 *
 * @param fmt The format, checked with {@linkcode checkStrftime}.
 * @param ms The time in milliseconds since the epoch.
 * @returns The formatted time.
 */
export function strftime(fmt: string, ms: number): string {
  const d = new Date(ms);
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== "%") {
      out += ch;
      continue;
    }
    const code = fmt[++i];
    switch (code) {
      case "a":
        out += DAYS[d.getDay()].slice(0, 3);
        break;
      case "A":
        out += DAYS[d.getDay()];
        break;
      case "b":
        out += MONTHS[d.getMonth()].slice(0, 3);
        break;
      case "B":
        out += MONTHS[d.getMonth()];
        break;
      case "c":
        out += strftime("%a %b %e %H:%M:%S %Y", ms);
        break;
      case "d":
        out += two(d.getDate());
        break;
      case "e":
        out += String(d.getDate()).padStart(2, " ");
        break;
      case "H":
        out += two(d.getHours());
        break;
      case "I":
        out += two(d.getHours() % 12 || 12);
        break;
      case "j":
        out += String(dayOfYear(d)).padStart(3, "0");
        break;
      case "m":
        out += two(d.getMonth() + 1);
        break;
      case "M":
        out += two(d.getMinutes());
        break;
      case "p":
        out += d.getHours() < 12 ? "AM" : "PM";
        break;
      case "S":
        out += two(d.getSeconds());
        break;
      case "U":
        out += two(weekNumber(d, 0));
        break;
      case "w":
        out += String(d.getDay());
        break;
      case "W":
        out += two(weekNumber(d, 1));
        break;
      case "x":
        out += strftime("%m/%d/%y", ms);
        break;
      case "X":
        out += strftime("%H:%M:%S", ms);
        break;
      case "y":
        out += two(d.getFullYear() % 100);
        break;
      case "Y":
        out += String(d.getFullYear());
        break;
      case "z": {
        const off = -d.getTimezoneOffset();
        const a = Math.abs(off);
        out += (off < 0 ? "-" : "+") + two(Math.floor(a / 60)) + two(a % 60);
        break;
      }
      case "Z":
        zoneName ??= new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
          .formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? "";
        out += zoneName;
        break;
      case "s":
        out += String(Math.floor(ms / 1000));
        break;
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      default:
        out += "%";
    }
  }
  return out;
}
