export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

/** Asks every check at once, each given two seconds: [name, answered] in the checks' order. */
export function settle(checks: readonly ReadinessCheck[]): Promise<[string, boolean][]> {
  return Promise.all(
    checks.map(async (c): Promise<[string, boolean]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), CHECK_TIMEOUT_MS);
      });
      try {
        await Promise.race([c.check(), timeout]);
        return [c.name, true];
      } catch {
        return [c.name, false];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
