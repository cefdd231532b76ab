import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIp, NetworkList, NetworkPolicy, networksWithin, normalizeIp, parseCidr } from './network.js';

describe('CIDR matching', () => {
  it('matches IPv4, IPv6 and IPv4-mapped IPv6 alike', () => {
    const l = new NetworkList(['10.0.0.0/8', '2001:db8::/32', '192.168.1.7']);
    assert.ok(l.contains('10.255.0.1'));
    assert.ok(l.contains('::ffff:10.1.2.3'));
    assert.ok(l.contains('::ffff:a01:203')); // the same address in hex
    assert.ok(l.contains('2001:db8:1::5'));
    assert.ok(l.contains('192.168.1.7'));
    assert.ok(!l.contains('192.168.1.8'));
    assert.ok(!l.contains('11.0.0.1'));
    assert.ok(!l.contains('2001:db9::1'));
    assert.ok(!l.contains('::10.0.0.1')); // IPv4-compatible (deprecated) is not IPv4-mapped
    assert.ok(!l.contains('not an ip'));
    assert.ok(!l.contains('fe80::1%eth0'));
  });

  it('handles prefix edges', () => {
    assert.ok(new NetworkList(['0.0.0.0/0']).contains('8.8.8.8'));
    assert.ok(!new NetworkList(['0.0.0.0/0']).contains('2001:db8::1'));
    assert.ok(new NetworkList(['::/0']).contains('2001:db8::1'));
    assert.ok(new NetworkList(['10.1.2.3/20']).contains('10.1.0.9')); // host bits are ignored
    assert.ok(!new NetworkList(['10.1.0.0/23']).contains('10.1.2.0'));
    assert.ok(new NetworkList(['10.1.0.0/23']).contains('10.1.1.255'));
  });

  it('refuses malformed CIDRs at load', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', '::/129', '10.0.0.0/8/1', 'x/8', '10.0.0.0/-1', '10.0.0.0/ 8'])
      assert.throws(() => parseCidr(bad), /invalid|longer/, bad);
  });

  it('normalizes addresses', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(normalizeIp('[::1]'), '::1');
    assert.equal(normalizeIp('1.2.3'), undefined);
  });

  it('decides whether networks lie within others', () => {
    assert.ok(networksWithin(['10.1.0.0/16', '10.2.3.4'], ['10.0.0.0/8']));
    assert.ok(!networksWithin(['10.0.0.0/7'], ['10.0.0.0/8']));
    assert.ok(!networksWithin(['0.0.0.0/0'], ['10.0.0.0/8']));
    assert.ok(networksWithin(['::ffff:10.0.0.0/104'], ['10.0.0.0/8']));
  });
});

describe('X-Forwarded-For', () => {
  const trusted = new NetworkList(['10.0.0.10', '10.0.0.11']);

  it('is ignored unless the direct peer is a trusted proxy', () => {
    assert.equal(clientIp('203.0.113.5', '10.9.9.9', { trustedProxies: trusted }), '203.0.113.5');
    assert.equal(clientIp('203.0.113.5', '10.9.9.9', { trustedProxies: new NetworkList([]) }), '203.0.113.5');
  });

  it('takes the right-most untrusted hop, so client-written hops are not believed', () => {
    // the client wrote "1.2.3.4" itself; the proxy appended the real peer 198.51.100.7
    assert.equal(clientIp('10.0.0.10', '1.2.3.4, 198.51.100.7', { trustedProxies: trusted }), '198.51.100.7');
    // two trusted proxies in a row
    assert.equal(clientIp('10.0.0.10', '1.2.3.4, 198.51.100.7, 10.0.0.11', { trustedProxies: trusted }), '198.51.100.7');
    // duplicated headers are one list
    assert.equal(clientIp('10.0.0.10', ['1.2.3.4', '198.51.100.7'], { trustedProxies: trusted }), '198.51.100.7');
  });

  it('stops at a malformed hop and never returns a spoofed one', () => {
    assert.equal(clientIp('10.0.0.10', '10.0.0.1, garbage', { trustedProxies: trusted }), '10.0.0.10');
    assert.equal(clientIp('10.0.0.10', '', { trustedProxies: trusted }), '10.0.0.10');
    // everything trusted: the left-most trusted address, not a made-up one
    assert.equal(clientIp('10.0.0.10', '10.0.0.11', { trustedProxies: trusted }), '10.0.0.11');
  });

  it('a spoofed XFF cannot pass the global network allow list', () => {
    const policy = new NetworkPolicy({ allowedNetworks: ['10.0.0.0/8'], trustedProxies: ['192.0.2.1'] });
    const ip = policy.clientIp('203.0.113.5', '10.1.1.1');
    assert.equal(ip, '203.0.113.5');
    assert.equal(policy.globallyAllowed(ip), false);
    assert.equal(policy.globallyAllowed(policy.clientIp('192.0.2.1', '10.1.1.1')), true);
    assert.equal(policy.globallyAllowed(policy.clientIp('::ffff:192.0.2.1', '6.6.6.6, 10.1.1.1')), true);
  });
});
