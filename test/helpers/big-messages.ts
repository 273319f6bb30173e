/** SQS's classic maximum message size; fauxqs allows 1 MiB, but 256 KiB is what most queues are set to. */
export const BIG_MESSAGE_BYTES = 262_144;

/**
 * Message `i` of a backlog of 256 KiB messages: a valid login event padded with an unknown field to the full
 * size, and every tenth one a rejection (device_type too long), whose stored body is the masked, small one.
 */
export function bigMessage(i: number, bytes = BIG_MESSAGE_BYTES): string {
  const event = {
    user_id: `big-${i}`,
    app_version: "2.3.0",
    device_type: i % 10 === 0 ? "d".repeat(40) : "android",
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    locale: "DE",
    device_id: `${String(i % 1000).padStart(3, "0")}-00-0000`,
    padding: "",
  };
  const base = JSON.stringify(event).length;
  return JSON.stringify({ ...event, padding: "p".repeat(bytes - base - 64) });
}
