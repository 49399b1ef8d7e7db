/** Structured log lines (one JSON object per line) for what no one is there to answer. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  opts: { level?: Level; write?: (line: string) => void; component?: string } = {},
): Logger {
  const min = ORDER[opts.level ?? 'warn'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(
      JSON.stringify({
        t: new Date().toISOString(),
        level,
        component: opts.component ?? 'meow',
        msg,
        ...fields,
      }),
    );
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
