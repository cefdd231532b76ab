import { isIP } from 'node:net';

/**
 * Network controls: CIDR matching over one 16-byte representation (IPv4 lives in ::ffff:0:0/96, so
 * `::ffff:10.0.0.1` and `10.0.0.1` are the same address and one rule covers both), and the
 * X-Forwarded-For walk that only believes hops added by proxies we trust.
 */

export interface Cidr {
  readonly text: string;
  readonly bytes: Uint8Array; // 16 bytes
  readonly bits: number; // prefix length over the 128-bit form
}

/** Parses an IPv4 or IPv6 address to 16 bytes; undefined when it is not a literal address. */
export function parseIp(input: string): Uint8Array | undefined {
  let s = input.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const kind = isIP(s);
  if (kind === 4) {
    const out = new Uint8Array(16);
    out[10] = 0xff;
    out[11] = 0xff;
    const parts = s.split('.');
    for (let i = 0; i < 4; i++) out[12 + i] = Number(parts[i]);
    return out;
  }
  if (kind !== 6) return undefined;
  // Zone ids (fe80::1%eth0) name an interface, not a network; refuse rather than guess.
  if (s.includes('%')) return undefined;
  const out = new Uint8Array(16);
  let tail = s;
  let v4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    v4 = parseIp(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = tail.includes('::') ? tail.split('::') : [tail, undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups: number[] = headGroups.map((g) => parseInt(g, 16));
  if (rest !== undefined) {
    const fill = 8 - headGroups.length - restGroups.length;
    for (let i = 0; i < fill; i++) groups.push(0);
  }
  for (const g of restGroups) groups.push(parseInt(g, 16));
  if (groups.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i] >> 8;
    out[i * 2 + 1] = groups[i] & 0xff;
  }
  if (v4) out.set(v4.subarray(12), 12);
  return out;
}

function isMappedV4(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Canonical text: dotted quad for IPv4 and IPv4-mapped IPv6, lowercase compressed IPv6 otherwise. */
export function normalizeIp(input: string): string | undefined {
  const b = parseIp(input);
  if (!b) return undefined;
  if (isMappedV4(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[i * 2] << 8) | b[i * 2 + 1]);
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). Throws on anything else. */
export function parseCidr(text: string): Cidr {
  const [addr, len, extra] = text.trim().split('/');
  const bytes = addr !== undefined ? parseIp(addr) : undefined;
  if (!bytes || extra !== undefined) throw new Error(`invalid CIDR "${text}"`);
  const v4 = isIP(addr.replace(/^\[|\]$/g, '')) === 4;
  const max = v4 ? 32 : 128;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) throw new Error(`invalid CIDR prefix length in "${text}"`);
  const n = len === undefined ? max : Number(len);
  if (n > max) throw new Error(`CIDR prefix length ${n} is longer than ${max} in "${text}"`);
  const bits = v4 ? n + 96 : n;
  // zero the host bits so that 10.1.2.3/8 means 10.0.0.0/8
  const masked = new Uint8Array(bytes);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    masked[i] &= keep === 8 ? 0xff : (0xff << (8 - keep)) & 0xff;
  }
  return { text: text.trim(), bytes: masked, bits };
}

export function cidrContains(cidr: Cidr, ip: Uint8Array): boolean {
  const full = cidr.bits >> 3;
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== ip[i]) return false;
  const rem = cidr.bits & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (ip[full] & mask) === cidr.bytes[full];
}

/** `inner` is entirely inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.bits >= outer.bits && cidrContains(outer, inner.bytes);
}

/** A compiled list of networks; an empty list matches nothing. */
export class NetworkList {
  readonly cidrs: readonly Cidr[];
  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs.map(parseCidr);
  }
  contains(ip: string | Uint8Array): boolean {
    const b = typeof ip === 'string' ? parseIp(ip) : ip;
    if (!b) return false;
    for (const c of this.cidrs) if (cidrContains(c, b)) return true;
    return false;
  }
}

/** Every network of `requested` lies inside some network of `held` (a key may not widen its creator's reach). */
export function networksWithin(requested: readonly string[], held: readonly string[]): boolean {
  const outer = held.map(parseCidr);
  return requested.map(parseCidr).every((r) => outer.some((o) => cidrWithin(r, o)));
}

export interface ClientIpOptions {
  /** Proxies whose X-Forwarded-For we believe (addresses or CIDRs). Empty: XFF is ignored. */
  trustedProxies: NetworkList;
}

/**
 * The client's address: the direct peer, unless that peer is a trusted proxy, in which case the
 * right-most X-Forwarded-For hop that is not itself a trusted proxy. Left-most hops are whatever
 * the client wrote and are never believed. A malformed hop stops the walk at the last good address.
 */
export function clientIp(peer: string, xff: string | string[] | undefined, opts: ClientIpOptions): string {
  const direct = normalizeIp(peer) ?? peer;
  if (xff === undefined || !opts.trustedProxies.contains(direct)) return direct;
  const hops = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
  let current = direct;
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!opts.trustedProxies.contains(current)) return current;
    const hop = normalizeIp(hops[i]);
    if (!hop) return current;
    current = hop;
  }
  return current;
}

export interface NetworkPolicyOptions {
  /** Global allow list; undefined or empty = any source. */
  allowedNetworks?: readonly string[];
  trustedProxies?: readonly string[];
}

/** Compiled network settings for the authenticate stage. Throws at load on a bad CIDR. */
export class NetworkPolicy {
  readonly allowed?: NetworkList;
  readonly trusted: NetworkList;
  constructor(opts: NetworkPolicyOptions = {}) {
    this.allowed = opts.allowedNetworks && opts.allowedNetworks.length > 0 ? new NetworkList(opts.allowedNetworks) : undefined;
    this.trusted = new NetworkList(opts.trustedProxies ?? []);
  }
  clientIp(peer: string, xff: string | string[] | undefined): string {
    return clientIp(peer, xff, { trustedProxies: this.trusted });
  }
  globallyAllowed(ip: string): boolean {
    return this.allowed ? this.allowed.contains(ip) : true;
  }
}
