import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@lighthouse/core';
import { cleanExec } from '../src/process/clean-exec.js';
import { checkConfig } from '../src/process/check.js';

/** The descriptors `sh` sees when started as given, with a pipe on descriptor 3 inherited. */
function descriptorsSeen(
  file: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit', 'pipe'], env });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(out.trim().split(/\s+/)));
  });
}

describe('cleanExec', () => {
  const listFds = ['/bin/sh', ['-c', 'ls /proc/$$/fd']] as const;

  it('starts the child with no inherited descriptor above stderr', async () => {
    // Control: without the wrapper, descriptor 3 (like a native addon's socket) is inherited.
    expect(await descriptorsSeen(...listFds)).toContain('3');
    const command = cleanExec(...listFds);
    expect(await descriptorsSeen(command.file, command.args, command.env)).not.toContain('3');
  });

  it('reports a binary that cannot run as HAProxy missing, not as an invalid config', async () => {
    await expect(checkConfig('/nonexistent/haproxy', '/dev/null')).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
  });
});
