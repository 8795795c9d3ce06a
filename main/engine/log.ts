/**
 * Logging with redaction built in: every message passes through `redact`
 * before it is written, so a camera password can never reach a log line.
 */
import { redact } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(scope: string): Logger;
}

export interface LogSink {
  write(level: LogLevel, scope: string, msg: string): void;
}

export const consoleSink: LogSink = {
  write(level, scope, msg) {
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${scope}] ${msg}`;
    if (level === 'error' || level === 'warn') process.stderr.write(line + '\n');
    else process.stdout.write(line + '\n');
  },
};

/** Collects lines in memory (tests assert on them, e.g. that no password was logged). */
export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  write(level: LogLevel, scope: string, msg: string): void {
    this.lines.push(`${level} [${scope}] ${msg}`);
  }
}

export function createLogger(opts: { sink?: LogSink; level?: LogLevel; scope?: string; secrets?: () => Iterable<string> } = {}): Logger {
  const sink = opts.sink ?? consoleSink;
  const min = ORDER[opts.level ?? (process.env.KEEPWATCH_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? ORDER.info;
  const secrets = opts.secrets ?? (() => []);
  const make = (scope: string): Logger => {
    const emit = (level: LogLevel) => (msg: string) => {
      if (ORDER[level] >= min) sink.write(level, scope, redact(msg, secrets()));
    };
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (s) => make(`${scope}/${s}`) };
  };
  return make(opts.scope ?? 'keepwatch');
}

export const silentLogger: Logger = createLogger({ sink: { write() {} } });
