/**
 * Where the log engine reports what an operator should know: recovery truncating a torn tail,
 * an index rebuilt, a stale lock taken over, a failed scheduled task. The broker passes its
 * pino logger (whose `warn(message)` fits); the default writes to stderr.
 */
export interface LogLogger {
  info(message: string): void;
  warn(message: string): void;
}

export const consoleLogLogger: LogLogger = {
  info: (message) => console.info(`[cairn-log] ${message}`),
  warn: (message) => console.warn(`[cairn-log] ${message}`),
};

export const silentLogLogger: LogLogger = { info: () => {}, warn: () => {} };
