/**
 * Structured logs: one JSON object per line (`{"time","level","msg",…}`),
 * filtered by level. Its `warn(message, detail)` shape fits the loggers of
 * the transport, registrar and notifier.
 */
import type { LogLevel } from './config/types.js';

/** Detail fields of a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The server's logger. */
export interface Logger {
  debug(message: string, detail?: LogFields): void;
  info(message: string, detail?: LogFields): void;
  warn(message: string, detail?: LogFields): void;
  error(message: string, detail?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Turns values JSON cannot hold (errors, bigints, buffers) into strings. */
function plain(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A JSON-lines logger writing lines of `level` and above to `write` (default stderr). */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
  now: () => Date = () => new Date(),
): Logger {
  const min = RANK[level];
  const log =
    (lvl: LogLevel) =>
    (message: string, detail?: LogFields): void => {
      if (RANK[lvl] < min) return;
      let line: string;
      try {
        line = JSON.stringify({ time: now().toISOString(), level: lvl, msg: message, ...detail }, plain);
      } catch {
        line = JSON.stringify({ time: now().toISOString(), level: lvl, msg: message });
      }
      write(`${line}\n`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that discards everything (tests, embedding). */
export const silentServerLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
