import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from "node:crypto";
import type { Checksum, SourceData } from "@smithy/types";

/**
 * Secret keys already imported, by the secret the signer hands over. The signer caches its signing key (a
 * Uint8Array, the same object all day), and node re-imports a raw key on every createHmac, which cost more than
 * the rest of the signing (docs/benchmarks.md).
 */
const imported = new WeakMap<object, KeyObject>();
/** The secret access key arrives as a string on every call (the signer's cache lookup HMACs with it). */
const importedText = new Map<string, KeyObject>();

function secretKey(secret: SourceData): KeyObject {
  if (typeof secret === "string") {
    let key = importedText.get(secret);
    if (key === undefined) {
      // A credential refresh brings a new secret; the old ones are not needed again.
      if (importedText.size >= 4) importedText.clear();
      key = createSecretKey(Buffer.from(secret, "utf8"));
      importedText.set(secret, key);
    }
    return key;
  }
  let key = imported.get(secret);
  if (key === undefined) {
    key = createSecretKey(new Uint8Array(secret as ArrayBuffer));
    imported.set(secret, key);
  }
  return key;
}

/** node:crypto in the shape the signer wants (it is called with a secret for HMAC, without one for hashing). */
export class NodeSha256 implements Checksum {
  readonly #secret: SourceData | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", secretKey(this.#secret));
  }

  update(data: Uint8Array | string): void {
    this.#hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }
}
