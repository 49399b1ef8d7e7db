/**
 * Size bounds that keep every packed message under the relay's default 64 KiB message
 * limit, including the device-sync copy of a message (which wraps it once more).
 */
export const MAX_TEXT_BYTES = 32 * 1024;
/** Receipts per ack message (≈ 50 bytes each once encoded). */
export const MAX_ACKS_PER_MESSAGE = 500;
/** A contact's self-chosen name and status, as far as this client will store them. */
export const MAX_NAME_CHARS = 256;
export const MAX_STATUS_CHARS = 1024;
/**
 * A sibling's fan-out batch (syncRows.ts): changes per device message, and their encoded
 * bytes — a full batch pads to the 60 KiB bucket, still under the relay's 64 KiB once packed.
 */
export const MAX_SYNC_BATCH = 100;
export const MAX_SYNC_BATCH_BYTES = 48 * 1024;
