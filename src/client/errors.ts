/**
 * Every way a request can fail, as a typed error whose message is written for
 * a sysadmin, not a programmer.
 */
export type ClientErrorCode =
  | 'connect-refused'
  | 'connect-denied'
  | 'connect-missing'
  | 'connect-not-socket'
  /** the target names a directory (a typo such as /run/php for /run/php/php8.2-fpm.sock) */
  | 'connect-is-directory'
  /** a socket path longer than sun_path holds, whose directory could not be opened to reach it another way */
  | 'connect-path-too-long'
  | 'connect-overloaded'
  | 'connect-timeout'
  | 'connect-failed'
  | 'dns'
  | 'timeout'
  | 'closed-early'
  | 'protocol'
  | 'wrong-request-id'
  | 'response-too-large'
  | 'body'
  /** FCGI_GET_VALUES got no answer (silence or UNKNOWN_TYPE): common, and harmless to web servers */
  | 'management-unanswered';

export type RequestPhase = 'connect' | 'send' | 'first-byte' | 'response' | 'end';

export class FcgiClientError extends Error {
  override name = 'FcgiClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly details: {
      phase?: RequestPhase;
      errno?: string;
      hint?: string;
      /**
       * The first bytes the backend sent on this connection (at most
       * FOREIGN_PREVIEW_BYTES), when it broke off in a way another protocol
       * would explain: untrusted, for recognition and escaped evidence only.
       */
      received?: Uint8Array;
    } = {},
  ) {
    super(message);
  }
}
