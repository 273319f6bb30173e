/**
 * SQS batch calls (send, delete, change visibility) take at most ten entries, and SendMessageBatch at most a
 * total size: with `bytesOf`, a batch also stays within `maxBytes` (an entry larger than that goes alone).
 */
export function inBatchesOfTen<T>(
  items: readonly T[],
  bytesOf?: (item: T) => number,
  maxBytes = Number.POSITIVE_INFINITY,
): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf?.(item) ?? 0;
    if (batch.length === 10 || (batch.length > 0 && bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
