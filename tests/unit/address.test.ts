import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/server/address.ts';

describe('the client an address stands for (per-address limits)', () => {
  it('is the address itself for IPv4', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('127.0.0.1')).toBe('127.0.0.1');
  });

  it('is the /64 for IPv6, however the address is written: one host picking new addresses in its /64 stays one client', () => {
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0DB8:0001:0002:0000:0000:0000:0009')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('2001:db8::192.0.2.1')).toBe('2001:db8:0:0::/64');
  });

  it('is the IPv4 address for IPv4-mapped IPv6 (a dual-stack socket)', () => {
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:c000:207')).toBe('192.0.2.7');
  });

  it('leaves anything that is not an address as it is', () => {
    expect(clientKey('unknown')).toBe('unknown');
  });
});
