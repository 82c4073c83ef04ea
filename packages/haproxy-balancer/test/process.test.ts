import { chmod, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTempDir } from '@lighthouse/testing';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LighthouseError } from '@lighthouse/core';
import { detectVersion, HAPROXY_MISSING, parseVersion } from '../src/process/version.js';
import { writeFileAtomic } from '../src/process/files.js';
import { alertsFirst } from '../src/process/haproxy-process.js';
import { isHAProxyFor, isOurHAProxy, readPidFile, runningMaster } from '../src/process/pid.js';
import { versionAtLeast } from '../src/process/version.js';

/** Version parsing, PID verification and atomic installs: the parts of process control without HAProxy. */

describe('parseVersion', () => {
  it('reads the versions lighthouse 1.0 got wrong (B6)', () => {
    expect(parseVersion('HA-Proxy version 1.5.9 2014/11/25')).toMatchObject({
      major: 1,
      minor: 5,
      patch: 9,
    });
    expect(
      parseVersion('HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/\nStatus: x'),
    ).toEqual({
      major: 2,
      minor: 6,
      patch: 12,
      text: '2.6.12-1+deb12u4',
    });
    expect(parseVersion('HAProxy version 10.2.3')).toMatchObject({ major: 10, minor: 2, patch: 3 });
    expect(parseVersion('HAProxy version 2.9-dev3 2023/08/01')).toEqual({
      major: 2,
      minor: 9,
      text: '2.9-dev3',
    });
    expect(parseVersion('nginx version: nginx/1.22')).toBeUndefined();
  });

  it('compares major.minor', () => {
    const v = { major: 2, minor: 6, text: '2.6' };
    expect(versionAtLeast(v, 2, 6)).toBe(true);
    expect(versionAtLeast(v, 2, 7)).toBe(false);
    expect(versionAtLeast({ major: 10, minor: 0, text: '10.0' }, 2, 6)).toBe(true);
  });
});

describe('PID verification (B26)', () => {
  it('accepts only an haproxy command line reading our config file', () => {
    const ours = [
      '/usr/sbin/haproxy',
      '-W',
      '-D',
      '-S',
      '/run/m.sock',
      '-p',
      '/run/h.pid',
      '-f',
      '/etc/h.cfg',
    ];
    expect(isHAProxyFor(ours, '/etc/h.cfg')).toBe(true);
    expect(isHAProxyFor(ours, '/etc/other.cfg')).toBe(false);
    expect(isHAProxyFor(['/usr/bin/python3', '-f', '/etc/h.cfg'], '/etc/h.cfg')).toBe(false);
  });

  it('refuses a stale PID file naming a stranger, and reads only the first PID', async () => {
    const dir = await createTempDir({ 'h.pid': `${process.pid}\n12\n`, 'bad.pid': 'x\n' });
    try {
      expect(await readPidFile(join(dir.dir, 'h.pid'))).toBe(process.pid);
      expect(await readPidFile(join(dir.dir, 'bad.pid'))).toBeUndefined();
      expect(await readPidFile(join(dir.dir, 'none.pid'))).toBeUndefined();
      expect(await isOurHAProxy(process.pid, '/etc/h.cfg')).toBe(false);
      expect(await runningMaster(join(dir.dir, 'h.pid'), '/etc/h.cfg')).toBeUndefined();
    } finally {
      await dir.cleanup();
    }
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file, or leaves it untouched when the candidate is refused', async () => {
    const dir = await createTempDir({ 'h.cfg': 'old\n' });
    const path = join(dir.dir, 'h.cfg');
    try {
      const seen: string[] = [];
      await writeFileAtomic(
        path,
        'new\n',
        async (candidate) => void seen.push(await readFile(candidate, 'utf8')),
      );
      expect(seen).toEqual(['new\n']);
      expect(await readFile(path, 'utf8')).toBe('new\n');
      const refuse = async (): Promise<void> => {
        throw new Error('refused');
      };
      await expect(writeFileAtomic(path, 'bad\n', refuse)).rejects.toThrow('refused');
      expect(await readFile(path, 'utf8')).toBe('new\n');
      expect(await readdir(dir.dir)).toEqual(['h.cfg']);
    } finally {
      await dir.cleanup();
    }
  });
});

describe('detectVersion', () => {
  it('fails with one line when the binary is missing', async () => {
    const failure = detectVersion('/nonexistent/haproxy');
    await expect(failure).rejects.toBeInstanceOf(LighthouseError);
    await expect(failure).rejects.toThrow(HAPROXY_MISSING);
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.Unavailable });
  });

  it('refuses HAProxy older than 2.0 and accepts the installed one', async () => {
    const dir = await createTempDir({
      haproxy: '#!/bin/sh\necho "HA-Proxy version 1.5.9 2014/11/25"\n',
    });
    try {
      await chmod(join(dir.dir, 'haproxy'), 0o755);
      await expect(detectVersion(join(dir.dir, 'haproxy'))).rejects.toThrow(
        'HAProxy 1.5.9 is not supported: lighthouse needs HAProxy 2.0 or later',
      );
      expect((await detectVersion('haproxy')).major).toBeGreaterThanOrEqual(2);
    } finally {
      await dir.cleanup();
    }
  });
});

describe('alertsFirst', () => {
  it("puts HAProxy's [ALERT] lines before its [NOTICE] banner, keeping every line", () => {
    const output = [
      '[NOTICE]   (1) : haproxy version is 2.6.12',
      '[NOTICE]   (1) : path to executable is /usr/sbin/haproxy',
      '[ALERT]    (1) : Binding [cfg:3] for frontend c4: cannot bind socket (Address already in use)',
      '[ALERT]    (1) : [haproxy.main()] Some protocols failed to start their listeners! Exiting.',
    ].join('\n');
    expect(alertsFirst(output).split('\n')).toEqual([
      '[ALERT]    (1) : Binding [cfg:3] for frontend c4: cannot bind socket (Address already in use)',
      '[ALERT]    (1) : [haproxy.main()] Some protocols failed to start their listeners! Exiting.',
      '[NOTICE]   (1) : haproxy version is 2.6.12',
      '[NOTICE]   (1) : path to executable is /usr/sbin/haproxy',
    ]);
    expect(alertsFirst('no alerts here')).toBe('no alerts here');
  });
});
