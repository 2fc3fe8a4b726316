/**
 * Client-network matching for the allowlist: IPv4 and IPv6 CIDR blocks (or single addresses) on node:net's
 * BlockList. IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) match the IPv4 blocks.
 */
import { BlockList, isIP } from "node:net";

/** A set of networks to test client addresses against. */
export interface NetworkMatcher {
  matches(address: string | null | undefined): boolean;
  readonly size: number;
}

/** Parse "192.0.2.0/24", "2001:db8::/32" or a plain address; throws with the entry on a malformed one. */
export function parseCidr(spec: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } {
  const trimmed = spec.trim();
  const slash = trimmed.indexOf("/");
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) throw new Error(`invalid network "${spec}": not an IP address`);
  const max = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new Error(`invalid network "${spec}": prefix length must be 0 to ${max}`);
  }
  return { address, prefix: Number(prefixText), family: version === 4 ? "ipv4" : "ipv6" };
}

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Build a matcher from CIDR strings; throws on the first malformed entry. */
export function createNetworkMatcher(specs: readonly string[]): NetworkMatcher {
  const list = new BlockList();
  for (const spec of specs) {
    const { address, prefix, family } = parseCidr(spec);
    list.addSubnet(address, prefix, family);
  }
  return {
    size: specs.length,
    matches(address) {
      if (!address || specs.length === 0) return false;
      const plain = address.replace(/^\[|\]$/g, "").replace(/^IPv6:/i, "");
      const mapped = MAPPED.exec(plain);
      const candidate = mapped ? (mapped[1] as string) : plain;
      const version = isIP(candidate);
      if (version === 0) return false;
      try {
        return list.check(candidate, version === 4 ? "ipv4" : "ipv6");
      } catch {
        return false;
      }
    },
  };
}
