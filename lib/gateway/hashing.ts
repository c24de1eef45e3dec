/** FNV-1a 32-bit of a string (stable across processes and machines). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: a fast, well-mixing 32-bit permutation. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Rendezvous (highest-random-weight) score of one node for one session key hash. */
export function rendezvousScore(nodeHash: number, keyHash: number): number {
  return mix32(nodeHash ^ keyHash);
}
