import { randomFillSync } from 'node:crypto';

/**
 * CSPRNG bytes and 32-bit words for the deliberately biased reference
 * implementations the uniformity tests must reject (their bias comes from the
 * algorithm, not from the randomness).
 */
export class ByteSource {
  private readonly buffer = Buffer.alloc(64 * 1024);
  private offset = this.buffer.length;

  /** @returns one random byte */
  byte(): number {
    if (this.offset >= this.buffer.length) this.refill();
    return this.buffer[this.offset++]!;
  }

  /** @returns one random unsigned 32-bit integer */
  uint32(): number {
    if (this.offset + 4 > this.buffer.length) this.refill();
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  private refill(): void {
    randomFillSync(this.buffer);
    this.offset = 0;
  }
}
