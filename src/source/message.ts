import type { ReceivedMessage } from "../transform/received-message.ts";

/** One message as received from a source: what the transform reads, and the handle to delete or extend it by. */
export interface SourceMessage extends ReceivedMessage {
  /** Changes with every receive; needed to delete or extend this delivery. */
  readonly receiptHandle: string;
}

export interface DeleteResult {
  readonly deleted: number;
  /** Entries the source refused to delete; retried, else they reappear after the visibility timeout (the ledger skips them). */
  readonly failed: readonly SourceMessage[];
}

/**
 * What the pipeline needs from a queue. Implemented by SQS; small enough that tests and replay sources can
 * provide their own.
 */
export interface MessageSource {
  /**
   * Resolves with zero or more messages, at most `maxMessages` (1-10, default 10); an empty array after a full
   * long poll means "nothing there now".
   */
  receive(signal: AbortSignal, maxMessages?: number): Promise<readonly SourceMessage[]>;
  /**
   * Keeps messages hidden from other consumers for `seconds` more (the visibility heartbeat). Resolves with the
   * messages the queue refused to extend (an expired receipt handle, say): their lease was not renewed.
   */
  extend?(messages: readonly SourceMessage[], seconds: number): Promise<readonly SourceMessage[]>;
  /** Messages on the queue not yet deleted: visible, in flight (here or elsewhere) and delayed. */
  pending?(): Promise<number>;
}

/**
 * Deletes messages from their queue once acknowledged: SqsSource over its own connections, or an SqsAcknowledger
 * over separate ones (what `run` uses).
 */
export interface Acknowledger {
  /** Deletes messages whose outcome has been committed. MUST NOT be called before that commit. */
  delete(messages: readonly SourceMessage[]): Promise<DeleteResult>;
}
