/**
 * HyperLogLog (Flajolet et al. 2007, with linear counting for small sets): distinct viewers per stream per day in
 * 1 KiB at most, mergeable across days and streams. 2^10 registers: standard error 1.04/√1024 ≈ 3.25 %.
 */
import { createHash } from 'node:crypto';

export const HLL_PRECISION = 10;
export const HLL_REGISTERS = 1 << HLL_PRECISION;

/** A HyperLogLog sketch; `registers[i]` is the longest run of leading zeros + 1 seen for bucket i. */
export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(HLL_REGISTERS);
  }

  /** Adds one identity (any string); returns true when a register changed. */
  add(identity: string): boolean {
    const h = createHash('sha256').update(identity).digest();
    const index = h.readUInt16BE(0) & (HLL_REGISTERS - 1);
    const word = h.readUInt32BE(4);
    const rank = word === 0 ? 33 : Math.clz32(word) + 1;
    if (rank <= this.registers[index]) return false;
    this.registers[index] = rank;
    return true;
  }

  merge(other: HyperLogLog): void {
    for (let i = 0; i < HLL_REGISTERS; i++) if (other.registers[i] > this.registers[i]) this.registers[i] = other.registers[i];
  }

  /** The estimated number of distinct identities added, rounded. */
  estimate(): number {
    const m = HLL_REGISTERS;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      sum += 2 ** -this.registers[i];
      if (this.registers[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    // Small range: linear counting is far more accurate while registers are still empty.
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(raw);
  }

  /** Compact bytes for the database: sparse (index u16, rank u8 triples, tag 1) while short, else dense (tag 2). */
  encode(): Uint8Array {
    let nonZero = 0;
    for (let i = 0; i < HLL_REGISTERS; i++) if (this.registers[i] !== 0) nonZero++;
    if (nonZero * 3 < HLL_REGISTERS) {
      const out = new Uint8Array(1 + nonZero * 3);
      out[0] = 1;
      let o = 1;
      for (let i = 0; i < HLL_REGISTERS; i++) {
        if (this.registers[i] === 0) continue;
        out[o++] = i >> 8;
        out[o++] = i & 0xff;
        out[o++] = this.registers[i];
      }
      return out;
    }
    const out = new Uint8Array(1 + HLL_REGISTERS);
    out[0] = 2;
    out.set(this.registers, 1);
    return out;
  }

  /** Reads `encode()`'s bytes; anything malformed gives an empty sketch (an estimate, never a crash). */
  static decode(bytes: Uint8Array | null | undefined): HyperLogLog {
    const hll = new HyperLogLog();
    if (!bytes || bytes.length === 0) return hll;
    if (bytes[0] === 2 && bytes.length === 1 + HLL_REGISTERS) {
      hll.registers.set(bytes.subarray(1));
    } else if (bytes[0] === 1 && (bytes.length - 1) % 3 === 0) {
      for (let o = 1; o < bytes.length; o += 3) {
        const i = ((bytes[o] << 8) | bytes[o + 1]) & (HLL_REGISTERS - 1);
        hll.registers[i] = Math.min(33, bytes[o + 2]);
      }
    }
    return hll;
  }
}
