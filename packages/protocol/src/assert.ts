/**
 * Assertions are for Cairn's own mistakes: an impossible state. They throw an AssertionError
 * that dispatchers rethrow (the process crashes; recovery on restart is the designed path).
 * Bad input from the network or the disk is an operating error and gets a typed error instead.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function isAssertionError(error: unknown): error is AssertionError {
  return error instanceof AssertionError;
}
