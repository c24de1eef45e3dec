// Shared by the browser forms and the server, so no node: imports here (node:net's BlockList
// would do the matching, but this file also runs in the browser bundle).

/**
 * Which IP ranges Switchyard (or a proxy on its behalf) may be sent to. One table, used for probe
 * targets, caller-reported result targets and rotation URLs (lib/security/target-url.ts).
 *
 *   always refused   link-local (169.254/16, fe80::/10 — cloud metadata lives there), the known
 *                    metadata addresses elsewhere (fd00:ec2::254, 100.100.100.200), unspecified
 *                    (0/8, ::), multicast, broadcast and reserved (224/3, ff00::/8)
 *   loopback         127/8, ::1, "localhost" — allowed unless SWITCHYARD_ALLOW_PRIVATE_TARGETS=0
 *   private          10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), 198.18/15, fc00::/7 —
 *                    refused unless SWITCHYARD_ALLOW_PRIVATE_TARGETS=1
 *   public           everything else
 *
 * IPv4 written inside IPv6 (::ffff:a.b.c.d, 64:ff9b::/96 NAT64, 2002::/16 6to4) is judged by the
 * IPv4 address it carries.
 */
export type AddressClass = "public" | "loopback" | "private" | "forbidden";

export interface AddressPolicy {
  allowLoopback: boolean;
  allowPrivate: boolean;
}

/** The default: this machine's loopback (the fault lab, a local rotation endpoint) yes, other internal ranges no. */
export const DEFAULT_ADDRESS_POLICY: AddressPolicy = { allowLoopback: true, allowPrivate: false };

/**
 * SWITCHYARD_ALLOW_PRIVATE_TARGETS: "1" allows loopback and private ranges, "0" refuses both,
 * unset = DEFAULT_ADDRESS_POLICY. Link-local/metadata is refused whatever it says.
 */
export function addressPolicyFromSetting(value: string | undefined): AddressPolicy {
  if (value === "1" || value === "true") return { allowLoopback: true, allowPrivate: true };
  if (value === "0" || value === "false") return { allowLoopback: false, allowPrivate: false };
  return DEFAULT_ADDRESS_POLICY;
}

type Range = [bigint, number, AddressClass];

const V4: Array<[string, number, AddressClass]> = [
  ["0.0.0.0", 8, "forbidden"],
  ["10.0.0.0", 8, "private"],
  ["100.100.100.200", 32, "forbidden"],
  ["100.64.0.0", 10, "private"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "forbidden"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "forbidden"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "private"],
  ["224.0.0.0", 3, "forbidden"],
];

const V6: Array<[string, number, AddressClass]> = [
  ["::", 128, "forbidden"],
  ["::1", 128, "loopback"],
  ["fd00:ec2::254", 128, "forbidden"],
  ["fc00::", 7, "private"],
  ["fe80::", 10, "forbidden"],
  ["fec0::", 10, "forbidden"],
  ["ff00::", 8, "forbidden"],
];

const V4_RANGES: Range[] = V4.map(([address, bits, kind]) => [ipv4ToBigInt(address)!, bits, kind]);
const V6_RANGES: Range[] = V6.map(([address, bits, kind]) => [ipv6ToBigInt(address)!, bits, kind]);

function ipv4ToBigInt(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function ipv6ToBigInt(text: string): bigint | undefined {
  let address = text.toLowerCase();
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  // A trailing dotted IPv4 becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const v4 = ipv4ToBigInt(dotted[1]);
    if (v4 === undefined) return undefined;
    address = `${address.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function lookupRange(value: bigint, width: number, ranges: Range[]): AddressClass {
  for (const [base, bits, kind] of ranges) {
    const shift = BigInt(width - bits);
    if (value >> shift === base >> shift) return kind;
  }
  return "public";
}

/** The class of an IP literal (IPv6 with or without brackets), or undefined when it is not one. */
export function classifyIp(text: string): AddressClass | undefined {
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  const v4 = ipv4ToBigInt(bare);
  if (v4 !== undefined) return lookupRange(v4, 32, V4_RANGES);
  if (!bare.includes(":")) return undefined;
  const v6 = ipv6ToBigInt(bare);
  if (v6 === undefined) return undefined;
  const embedded = embeddedIpv4(v6);
  if (embedded !== undefined) return lookupRange(embedded, 32, V4_RANGES);
  return lookupRange(v6, 128, V6_RANGES);
}

function embeddedIpv4(v6: bigint): bigint | undefined {
  if (v6 >> 32n === 0xffffn) return v6 & 0xffffffffn; // ::ffff:a.b.c.d
  if (v6 >> 32n === 0x64ff9b0000000000000000n) return v6 & 0xffffffffn; // 64:ff9b::/96
  if (v6 >> 112n === 0x2002n) return (v6 >> 80n) & 0xffffffffn; // 2002:aabb:ccdd::/48
  return undefined;
}

/** The class of a URL host: an IP literal, "localhost" / "*.localhost" (loopback), or undefined for other names. */
export function classifyHost(hostname: string): AddressClass | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  return classifyIp(host);
}

export function addressAllowed(kind: AddressClass, policy: AddressPolicy): boolean {
  if (kind === "public") return true;
  if (kind === "loopback") return policy.allowLoopback;
  if (kind === "private") return policy.allowPrivate;
  return false;
}
