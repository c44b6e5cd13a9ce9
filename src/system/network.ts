/** This machine's own addresses and name, to tell a local backend from a remote one. */
import { hostname, networkInterfaces } from 'node:os';
import type { Network } from './types.js';

export function liveNetwork(): Network {
  return {
    localAddresses: () =>
      Object.values(networkInterfaces())
        .flatMap((list) => list ?? [])
        .map((i) => i.address),
    hostname: () => hostname(),
  };
}
