import type { ConsumerRecord } from '@runnel/client';

const DIRECTIVES = new Set(['v', 'k', 'o', 'p', 't', 'T', 'h', '%']);

/** Why `template` is not a valid --format, or undefined when it is. */
export function validateFormat(template: string): string | undefined {
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== '%') continue;
    const d = template[i + 1];
    if (d === undefined || !DIRECTIVES.has(d)) return `unknown directive "%${d ?? ''}" in "${template}" (use %v %k %o %p %t %T %h %%)`;
    i++;
  }
  return undefined;
}

/**
 * One output line for `record` per the --format template (a newline is appended). Null keys and
 * values print as "null", as Kafka's console consumer does; bytes are printed as UTF-8.
 */
export function formatRecord(template: string, record: ConsumerRecord): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const d = template[++i];
    switch (d) {
      case 'v': out += record.value === null ? 'null' : record.value.toString('utf8'); break;
      case 'k': out += record.key === null ? 'null' : record.key.toString('utf8'); break;
      case 'o': out += String(record.offset); break;
      case 'p': out += String(record.partition); break;
      case 't': out += String(record.timestamp); break;
      case 'T': out += record.topic; break;
      case 'h': out += record.headers.map((h) => `${h.key}=${h.value === null ? 'null' : h.value.toString('utf8')}`).join(','); break;
      default: out += '%';
    }
  }
  return `${out}\n`;
}
