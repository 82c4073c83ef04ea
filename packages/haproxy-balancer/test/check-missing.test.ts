import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lighthouse/core';
import { checkConfig } from '../src/process/check.js';

describe('checkConfig', () => {
  it('reports a binary that cannot run as HAProxy missing, not as an invalid config', async () => {
    await expect(checkConfig('/nonexistent/haproxy', '/dev/null')).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
  });
});
