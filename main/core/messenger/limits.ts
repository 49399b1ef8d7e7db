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
