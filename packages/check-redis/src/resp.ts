/**
 * Just enough RESP for a health check: commands go out as arrays of bulk strings (binary-safe, so
 * a password holding spaces or CRLF cannot inject a second command), and replies come back as
 * CRLF-terminated lines that may arrive split across TCP chunks.
 */

/** Encodes a command as a RESP array, e.g. `*1\r\n$4\r\nPING\r\n`. */
export function encodeCommand(args: readonly string[]): Buffer {
  const bulk = args.map((arg) => `$${Buffer.byteLength(arg, 'utf8')}\r\n${arg}\r\n`);
  return Buffer.from(`*${args.length}\r\n${bulk.join('')}`, 'utf8');
}

/** Reassembles reply lines from chunks; a line is returned without its "\r\n". */
export class RespLineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Bytes received after the last complete line (a caller caps this). */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** The incomplete tail, for a reason when the server closes mid-line. */
  rest(): string {
    return Buffer.concat(this.pending).toString('utf8');
  }

  /** Adds a chunk and returns the lines it completed, in order. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const line = Buffer.concat([...this.pending, chunk.subarray(start, end)]).toString('utf8');
      lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
      this.pending = [];
      this.pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
    }
    return lines;
  }
}
