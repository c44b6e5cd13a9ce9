/**
 * What `serve` allows its clients, so that no client (a hostile one, or a
 * web server gone wrong) can grow its memory without bound or lock others out.
 */
export interface ServeLimits {
  /** Connections open at once; at the cap a new one closes the connection that has been quiet longest. */
  maxConnections: number;
  /** A connection with no request in progress is closed after this long. */
  idleTimeoutMs: number;
  /**
   * A connection in the middle of something — a half-sent record or request,
   * or an answer the peer does not read — is closed when it makes no
   * progress for this long.
   */
  stallTimeoutMs: number;
  /** Parameters buffered for the requests of one connection, all together. */
  maxParamsBytesPerConnection: number;
  /**
   * Parameters and unread answers held for all connections together; past it
   * a new request is answered FCGI_OVERLOADED instead of being buffered.
   */
  maxHeldBytes: number;
}

/** Requests multiplexed on one connection at once (FCGI_MAX_REQS is this times maxConnections). */
export const MAX_REQUESTS_PER_CONNECTION = 64;

export const DEFAULT_LIMITS: Readonly<ServeLimits> = {
  maxConnections: 1024,
  idleTimeoutMs: 30_000,
  stallTimeoutMs: 15_000,
  maxParamsBytesPerConnection: 1024 * 1024,
  maxHeldBytes: 64 * 1024 * 1024,
};

/** The bytes held for all connections of one server, against `limit`. */
export class HeldBytes {
  private held = 0;
  constructor(readonly limit: number) {}

  get total(): number {
    return this.held;
  }

  /** Whether `bytes` more still fit. */
  fits(bytes: number): boolean {
    return this.held + bytes <= this.limit;
  }

  add(delta: number): void {
    this.held += delta;
  }
}
