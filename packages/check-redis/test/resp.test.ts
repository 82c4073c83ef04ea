import { describe, expect, it } from 'vitest';
import { encodeCommand, RespLineReader } from '../src/resp.js';

describe('encodeCommand', () => {
  it('encodes a RESP array of bulk strings with byte lengths', () => {
    expect(encodeCommand(['PING']).toString()).toBe('*1\r\n$4\r\nPING\r\n');
    expect(encodeCommand(['AUTH', 'pä']).toString()).toBe('*2\r\n$4\r\nAUTH\r\n$3\r\npä\r\n');
  });
});

describe('RespLineReader', () => {
  it('returns complete lines only, across chunk boundaries', () => {
    const reader = new RespLineReader();
    expect(reader.push(Buffer.from('+PO'))).toEqual([]);
    expect(reader.buffered).toBe(3);
    expect(reader.push(Buffer.from('NG\r\n-ERR x\r\n+O'))).toEqual(['+PONG', '-ERR x']);
    expect(reader.buffered).toBe(2);
    expect(reader.rest()).toBe('+O');
    expect(reader.push(Buffer.from('K\r\n'))).toEqual(['+OK']);
    expect(reader.buffered).toBe(0);
  });

  it('splits a CRLF that straddles two chunks', () => {
    const reader = new RespLineReader();
    expect(reader.push(Buffer.from('+PONG\r'))).toEqual([]);
    expect(reader.push(Buffer.from('\n'))).toEqual(['+PONG']);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const reader = new RespLineReader();
    const bytes = Buffer.from('-ERR ü\r\n');
    expect(reader.push(bytes.subarray(0, 6))).toEqual([]);
    expect(reader.push(bytes.subarray(6))).toEqual(['-ERR ü']);
  });
});
