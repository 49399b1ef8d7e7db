/**
 * Strict protobuf decoding for bytes from outside. protobufjs' generated decoders
 * trust wire types (a varint where a string belongs is read as a length) and accept
 * malformed UTF-8; this validator walks the bytes against the schema first and
 * refuses anything a correct encoder could not have produced: truncated varints,
 * wrong wire types, lengths past the end, groups, invalid UTF-8, absurd nesting.
 */
import descriptor from '../../proto/generated/messages.json' with { type: 'json' };
import { WireError } from './errors.js';

type FieldInfo = { type: string; repeated: boolean };
type TypeInfo = Map<number, FieldInfo>;

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const FIXED64_TYPES = new Set(['fixed64', 'sfixed64', 'double']);
const FIXED32_TYPES = new Set(['fixed32', 'sfixed32', 'float']);
const MAX_DEPTH = 16;
/**
 * Containers whose every field is known to the receiver and carries meaning (which session a
 * message is of, a reset): an unknown field is refused, so that no bit of a packed message
 * rides along unauthenticated by the ratchet and unread (a flipped tag turning `epoch` into an
 * unknown field, say). Other types keep protobuf's forward compatibility.
 */
const CLOSED_TYPES = new Set(['RatchetMessage', 'SessionReset']);

interface JsonNamespace {
  nested?: Record<
    string,
    JsonNamespace & { fields?: Record<string, { type: string; id: number; rule?: string }>; values?: object }
  >;
}

const types = new Map<string, TypeInfo>();
const enums = new Set<string>();
{
  const ns = (descriptor as JsonNamespace).nested?.['meow']?.nested ?? {};
  for (const [name, def] of Object.entries(ns)) {
    if (def.values) enums.add(name);
    if (!def.fields) continue;
    const fields: TypeInfo = new Map();
    for (const f of Object.values(def.fields))
      fields.set(f.id, { type: f.type, repeated: f.rule === 'repeated' });
    types.set(name, fields);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Cursor {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end: number,
  ) {}
  varint(what: string): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new WireError('MALFORMED', `truncated varint in ${what}`);
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new WireError('MALFORMED', `varint longer than 10 bytes in ${what}`);
  }
  skip(n: number, what: string): void {
    if (n > this.end - this.pos) throw new WireError('MALFORMED', `length ${n} runs past the end of ${what}`);
    this.pos += n;
  }
}

function expectedWireType(type: string): number {
  if (VARINT_TYPES.has(type) || enums.has(type)) return 0;
  if (FIXED64_TYPES.has(type)) return 1;
  if (FIXED32_TYPES.has(type)) return 5;
  return 2; // string, bytes, embedded message
}

function validate(typeName: string, buf: Uint8Array, start: number, end: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new WireError('MALFORMED', `${typeName}: nested too deeply`);
  const fields = types.get(typeName);
  if (!fields) throw new Error(`unknown message type ${typeName}`);
  const c = new Cursor(buf, end);
  c.pos = start;
  while (c.pos < end) {
    const tag = c.varint(typeName);
    const fieldNo = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (fieldNo === 0 || fieldNo > 536870911)
      throw new WireError('MALFORMED', `${typeName}: invalid field number`);
    const field = fields.get(fieldNo);
    const what = field ? `${typeName}.${fieldNo}` : typeName;
    if (!field && CLOSED_TYPES.has(typeName))
      throw new WireError('MALFORMED', `${typeName}: unknown field ${fieldNo}`);
    if (field) {
      const expected = expectedWireType(field.type);
      const packed = field.repeated && expected !== 2 && wire === 2;
      if (wire !== expected && !packed) {
        throw new WireError('MALFORMED', `${what}: wire type ${wire}, expected ${expected}`);
      }
    }
    switch (wire) {
      case 0:
        c.varint(what);
        break;
      case 1:
        c.skip(8, what);
        break;
      case 5:
        c.skip(4, what);
        break;
      case 2: {
        const len = c.varint(what);
        if (len > BigInt(end - c.pos))
          throw new WireError('MALFORMED', `${what}: length ${len} runs past the end`);
        const from = c.pos;
        c.skip(Number(len), what);
        if (field?.type === 'string') {
          try {
            utf8.decode(buf.subarray(from, c.pos));
          } catch {
            throw new WireError('MALFORMED', `${what}: invalid UTF-8`);
          }
        } else if (field && types.has(field.type)) {
          validate(field.type, buf, from, c.pos, depth + 1);
        }
        break;
      }
      default:
        throw new WireError('MALFORMED', `${what}: unsupported wire type ${wire}`);
    }
  }
}

/** Throws WireError('MALFORMED') unless `bytes` is a well-formed `typeName`. */
export function validateWire(typeName: string, bytes: Uint8Array): void {
  validate(typeName, bytes, 0, bytes.length, 0);
}
