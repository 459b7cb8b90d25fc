import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * The logger of server commands, on stderr (stdout is reserved for the command's own output, such
 * as the `bootstrap:` line), level from RUNNEL_LOG_LEVEL (default info). On a terminal it prints
 * one readable line per entry (time, level, message, fields); anywhere else (a pipe, a file, a
 * container log) JSON lines for log collectors. RUNNEL_LOG_FORMAT=json or pretty overrides that.
 */
export function createLogger(stderr: NodeJS.WriteStream = process.stderr): Logger {
  const level = process.env['RUNNEL_LOG_LEVEL'] ?? 'info';
  const format = process.env['RUNNEL_LOG_FORMAT'] ?? (stderr.isTTY === true ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino({ level }, PinoPretty({ destination: 2, sync: true, colorize: stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }));
  }
  return pino({ level }, pino.destination({ fd: 2, sync: false }));
}
