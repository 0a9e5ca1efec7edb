/**
 * A ProtocolError says that bytes from outside (a frame, a batch, a file) do not follow the
 * format. Readers throw it instead of letting `Buffer` throw a RangeError, so a caller can
 * answer with a Kafka error code (CORRUPT_MESSAGE, INVALID_REQUEST) or close one connection.
 */
export type ProtocolErrorReason =
  | 'truncated'
  | 'negative_length'
  | 'oversized'
  | 'varint_too_long'
  | 'unsafe_int64'
  | 'invalid_value';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly reason: ProtocolErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export function isProtocolError(error: unknown): error is ProtocolError {
  return error instanceof ProtocolError;
}
