import { coerceError, SecureLogError } from "../errors.ts";
import type { RejectReason } from "../reject-reason.ts";
import type { RowSink, WriteResult } from "../sink/row-sink.ts";
import type { SourceMessage } from "../source/message.ts";
import type { Outcome, RejectDetail, Rejecter, Transformer } from "../transform/transform.ts";

/** Store messages as rejections with this reason, instead of transforming them. */
export interface Rejection {
  readonly reason: RejectReason;
  readonly detail: RejectDetail;
}

/**
 * The pipeline's write stage, in the calling thread: turns received messages into outcomes and commits them in
 * one sink write, all or nothing. A failed commit throws a SecureLogError whose disposition (retry, data, fatal)
 * the pipeline acts on.
 */
export class BatchWriter {
  readonly #sink: RowSink;
  readonly #transform: Transformer;
  readonly #reject: Rejecter;

  constructor(sink: RowSink, transform: Transformer, reject: Rejecter) {
    this.#sink = sink;
    this.#transform = transform;
    this.#reject = reject;
  }

  /**
   * Transforms and commits `messages`. With `rejectAs`, every message is stored as a rejection with that
   * reason instead (a row, or a full rejection, PostgreSQL refused, once isolated).
   */
  write(messages: readonly SourceMessage[], rejectAs?: Rejection): Promise<WriteResult> {
    let outcomes: Outcome[];
    try {
      outcomes = messages.map((message) =>
        rejectAs === undefined
          ? this.#transform(message)
          : this.#reject(message, rejectAs.reason, rejectAs.detail),
      );
    } catch (thrown) {
      // Transform never throws for bad input (that is a rejection); this is a bug. Stop rather than loop on it.
      return Promise.reject(
        new SecureLogError("internal", `transforming a message failed: ${coerceError(thrown).message}`),
      );
    }
    return this.#sink.write(outcomes);
  }
}
