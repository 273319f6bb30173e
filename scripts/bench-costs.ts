// Per-message CPU costs of the transform steps, measured in isolation (warm, best of 5 passes over the
// benchmark's messages). Part of `npm run bench`; see docs/benchmarks.md.
import type { SourceMessage } from "../src/source/message.ts";
import { createMasker } from "../src/transform/mask.ts";
import { keyRing, parseKey } from "../src/transform/mask-key.ts";
import { parseJsonOrUndefined } from "../src/transform/masked-body.ts";
import { createTransformer } from "../src/transform/transform.ts";
import { createValidator, type LoginEvent } from "../src/transform/validate.ts";

export interface TransformCosts {
  /** JSON.parse, with the try/catch every message needs (the mix holds malformed bodies). */
  readonly jsonParse: number;
  readonly validation: number;
  readonly masking: number;
  readonly maskingAndValidation: number;
  readonly wholeTransform: number;
}

/** Microseconds per message of the best of five passes of `step` over `count` messages. */
function microsPerMessage(count: number, step: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 5; pass++) {
    const started = performance.now();
    step();
    best = Math.min(best, performance.now() - started);
  }
  return (best * 1000) / count;
}

export function transformCosts(bodies: readonly string[], keyText: string): TransformCosts {
  const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(keyText, "bench"), []) });
  const validate = createValidator("major");
  const transform = createTransformer(masker, "major");
  const events: LoginEvent[] = [];
  for (const body of bodies) {
    const result = validate(body);
    if (result.ok) events.push(result.event);
  }
  const messages: SourceMessage[] = bodies.map((body, i) => ({
    id: String(i),
    receiptHandle: "",
    body,
    sentTimestampMs: Date.now(),
    receiveCount: 1,
    receivedAt: new Date(),
  }));
  let sink = 0; // consumed, so that no step can be optimised away
  const jsonParse = microsPerMessage(bodies.length, () => {
    for (const body of bodies) sink += parseJsonOrUndefined(body) === undefined ? 0 : 1;
  });
  const validation = microsPerMessage(bodies.length, () => {
    for (const body of bodies) sink += validate(body).ok ? 1 : 0;
  });
  // Per valid message: its ip and its device id.
  const masking = microsPerMessage(events.length, () => {
    for (const e of events)
      sink += masker.mask("ip", e.ip).length + masker.mask("device_id", e.deviceId).length;
  });
  const wholeTransform = microsPerMessage(messages.length, () => {
    for (const m of messages) sink += transform(m).kind.length;
  });
  if (sink === 0) throw new Error("nothing measured");
  return { jsonParse, validation, masking, maskingAndValidation: validation + masking, wholeTransform };
}
