/**
 * Whether the TCP peer is this machine: 127.0.0.0/8, ::1, or either written
 * as an IPv4-mapped IPv6 address (how a dual-stack socket reports 127.0.0.1).
 * Only the socket address counts — X-Forwarded-For is written by the client.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1' || address === '0:0:0:0:0:0:0:1';
}
