/** A byte stream that does not follow FastCGI 1.0. */
export type ProtocolErrorCode = 'bad-version' | 'bad-body' | 'bad-name-value';

export class FcgiProtocolError extends Error {
  override name = 'FcgiProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}
