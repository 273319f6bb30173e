import { SecureLogError } from "../errors.ts";

/** Bad usage of the command line itself: unknown command or flag, missing argument. Exit code 2. */
export class UsageError extends SecureLogError {
  constructor(message: string) {
    super("bad_usage", message, { exitCode: 2 });
    this.name = "UsageError";
  }
}
