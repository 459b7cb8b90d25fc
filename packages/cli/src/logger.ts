import { pino, type Logger } from 'pino';

/**
 * The logger of server commands: JSON lines on stderr (stdout is reserved for the command's own
 * output, such as the `bootstrap:` line), level from RUNNEL_LOG_LEVEL (default info).
 */
export function createLogger(): Logger {
  return pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' }, pino.destination({ fd: 2, sync: false }));
}
