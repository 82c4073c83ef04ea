import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanExec, NOT_EXECUTED } from '../src/clean-exec.js';

/** What `file args` prints and its exit status, started with a pipe on descriptor 3 inherited. */
function run(
  file: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ out: string; status: number | null; pid: number | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit', 'pipe'], env });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ out: out.trim(), status, pid: child.pid }));
  });
}

describe('cleanExec', () => {
  const listFds = ['/bin/sh', ['-c', 'ls /proc/$$/fd']] as const;

  it('starts the child with no inherited descriptor above stderr', async () => {
    // Control: without the wrapper, descriptor 3 (like a native addon's socket) is inherited.
    expect((await run(...listFds)).out.split(/\s+/)).toContain('3');
    const command = cleanExec(...listFds);
    const seen = (await run(command.file, command.args, command.env)).out.split(/\s+/);
    expect(seen).not.toContain('3');
    expect(seen).toEqual(expect.arrayContaining(['0', '1', '2']));
  });

  it('execs the binary in place: the child process ID is the binary’s', async () => {
    const command = cleanExec('/bin/sh', ['-c', 'echo $$']);
    const { out, pid } = await run(command.file, command.args, command.env);
    expect(Number(out)).toBe(pid);
  });

  it('passes arguments through verbatim, spaces and quotes included', async () => {
    const command = cleanExec('/usr/bin/printf', ['%s|', 'a b', `it's`, '$HOME']);
    expect((await run(command.file, command.args, command.env)).out).toBe(`a b|it's|$HOME|`);
  });

  it('exits with a NOT_EXECUTED status when the binary cannot be run', async () => {
    const command = cleanExec('/nonexistent/binary', []);
    const { status } = await run(command.file, command.args, command.env);
    expect(NOT_EXECUTED.has(status ?? -1)).toBe(true);
  });
});
