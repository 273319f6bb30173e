import type { SourceMessage } from "../source/message.ts";

/**
 * Strings joined into one with their end offsets. postMessage copies one string in one piece and moves a typed
 * array's memory without copying, where cloning 1,000 small objects cost about 6 µs a message in the
 * receiving thread (docs/benchmarks.md).
 */
export interface PackedStrings {
  readonly joined: string;
  readonly ends: Uint32Array;
}

export function packStrings(values: readonly string[]): PackedStrings {
  const ends = new Uint32Array(values.length);
  let joined = "";
  for (let i = 0; i < values.length; i++) {
    joined += values[i];
    ends[i] = joined.length;
  }
  return { joined, ends };
}

export function unpackStrings({ joined, ends }: PackedStrings): string[] {
  const values: string[] = [];
  let start = 0;
  for (const end of ends) {
    values.push(joined.slice(start, end));
    start = end;
  }
  return values;
}

/** A batch of messages packed for the writer thread. Receipt handles stay behind: writes never need them. */
export interface WireBatch {
  readonly ids: PackedStrings;
  readonly bodies: PackedStrings;
  /** NaN where the source gave no SentTimestamp. */
  readonly sentTimestampMs: Float64Array;
  readonly receiveCounts: Uint32Array;
  readonly receivedAtMs: Float64Array;
}

export function packMessages(messages: readonly SourceMessage[]): WireBatch {
  const n = messages.length;
  const sentTimestampMs = new Float64Array(n);
  const receiveCounts = new Uint32Array(n);
  const receivedAtMs = new Float64Array(n);
  messages.forEach((m, i) => {
    sentTimestampMs[i] = m.sentTimestampMs ?? Number.NaN;
    receiveCounts[i] = m.receiveCount;
    receivedAtMs[i] = m.receivedAt.getTime();
  });
  return {
    ids: packStrings(messages.map((m) => m.id)),
    bodies: packStrings(messages.map((m) => m.body)),
    sentTimestampMs,
    receiveCounts,
    receivedAtMs,
  };
}

/** The typed arrays of a packed batch or packed strings, for postMessage's transfer list. */
export function transferables(packed: WireBatch | PackedStrings): ArrayBuffer[] {
  const arrays =
    "ends" in packed
      ? [packed.ends]
      : [
          packed.ids.ends,
          packed.bodies.ends,
          packed.sentTimestampMs,
          packed.receiveCounts,
          packed.receivedAtMs,
        ];
  return arrays.map((array) => array.buffer as ArrayBuffer);
}

/** The messages again, with an empty receipt handle. */
export function unpackMessages(batch: WireBatch): SourceMessage[] {
  const ids = unpackStrings(batch.ids);
  const bodies = unpackStrings(batch.bodies);
  let receivedAt = new Date(Number.NaN);
  return ids.map((id, i) => {
    const sent = batch.sentTimestampMs[i] ?? Number.NaN;
    const receivedAtMs = batch.receivedAtMs[i] ?? Number.NaN;
    // Messages of one receive share their receipt time, and so one Date object, as before packing.
    if (receivedAt.getTime() !== receivedAtMs) receivedAt = new Date(receivedAtMs);
    return {
      id,
      receiptHandle: "",
      body: bodies[i] ?? "",
      sentTimestampMs: Number.isNaN(sent) ? undefined : sent,
      receiveCount: batch.receiveCounts[i] ?? 1,
      receivedAt,
    };
  });
}
