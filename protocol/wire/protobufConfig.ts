/**
 * protobufjs configuration, imported before the generated code is evaluated: int64
 * fields hold unix-ms timestamps and sizes (all below 2^53), so they are read as plain
 * numbers, and the generated defaults of absent fields are 0, not Long objects.
 */
import protobuf from 'protobufjs/minimal.js';

protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();
