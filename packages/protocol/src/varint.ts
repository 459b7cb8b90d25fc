/**
 * Zigzag varints as Kafka's record format uses them (protobuf's sint32/sint64 encoding): every
 * length, delta and count inside a record is signed, zigzag-mapped, then written 7 bits per byte,
 * least significant group first, high bit set on every byte but the last.
 *
 * Values are JS numbers. 32-bit fields use integer ops; 64-bit fields (timestamp deltas) use
 * arithmetic so any safe integer round-trips exactly.
 */

/** Zigzag-maps a signed safe integer to an unsigned one: 0, -1, 1, -2 ... => 0, 1, 2, 3 ... */
export function zigzag(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return ((value << 1) ^ (value >> 31)) >>> 0;
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes needed for the varint of an unsigned (already zigzagged) value. */
export function unsignedVarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  let rest = Math.floor(value / 0x800000000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 0x80);
  }
  return size;
}

/** Bytes needed for the zigzag varint of a signed value. */
export function varintSize(value: number): number {
  return unsignedVarintSize(zigzag(value));
}

/** Writes the zigzag varint of `value` at `position`; returns the position after it. */
export function writeVarint(buf: Buffer, value: number, position: number): number {
  let rest = zigzag(value);
  let p = position;
  while (rest >= 0x80000000) {
    // Above 31 bits: take the low 7 bits arithmetically; `& 0x7f` would be exact too, but the
    // division keeps every step on exact integers below 2^53.
    buf[p++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  while (rest >= 0x80) {
    buf[p++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buf[p++] = rest;
  return p;
}
