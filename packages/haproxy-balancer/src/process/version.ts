import { execFile } from 'node:child_process';
import { describeError, ErrorCode, LighthouseError } from '@lighthouse/core';

/** HAProxy's version, from `haproxy -v`. */

/** A parsed HAProxy version. */
export interface HAProxyVersion {
  major: number;
  minor: number;
  /** Absent for development builds such as `2.9-dev3`. */
  patch?: number;
  /** The version word as printed (`2.6.12-1+deb12u4`). */
  text: string;
}

/** The one line printed when the binary is missing, with what to do. */
export const HAPROXY_MISSING = 'haproxy not found: apt-get install haproxy';

/**
 * The version in `haproxy -v`'s first line: `HA-Proxy version 1.5.9 …`, `HAProxy version
 * 2.6.12-1+deb12u4 …`, `HAProxy version 10.2.3`, `HAProxy version 2.9-dev3`. Anchored on the word
 * "version" (1.0's greedy regex read 10.2.3 as 0.2.3 and gave up on -dev builds, B6).
 */
export function parseVersion(output: string): HAProxyVersion | undefined {
  const first = output.split('\n')[0] ?? '';
  const match = /\bversion\s+((\d+)\.(\d+)(?:\.(\d+))?\S*)/i.exec(first);
  if (match === null) return undefined;
  const [, text = '', major, minor, patch] = match;
  return {
    major: Number(major),
    minor: Number(minor),
    ...(patch === undefined ? {} : { patch: Number(patch) }),
    text,
  };
}

/** True when `version` is at least `major.minor`. */
export function versionAtLeast(version: HAProxyVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * Runs `<binary> -v` and returns the version; refuses HAProxy below 2.0 (no master CLI, none of
 * the 2.x keywords the renderer writes) with an Unavailable error, as it does a missing binary.
 */
export function detectVersion(binary: string): Promise<HAProxyVersion> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['-v'], { timeout: 10_000 }, (error, stdout) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new LighthouseError(ErrorCode.Unavailable, HAPROXY_MISSING));
        return;
      }
      if (error !== null) {
        const message = `"${binary} -v" failed: ${describeError(error)}`;
        reject(new LighthouseError(ErrorCode.Unavailable, message, { cause: error }));
        return;
      }
      const version = parseVersion(stdout);
      if (version === undefined || !versionAtLeast(version, 2, 0)) {
        const seen = version?.text ?? `unreadable ("${stdout.split('\n')[0] ?? ''}")`;
        const message = `HAProxy ${seen} is not supported: lighthouse needs HAProxy 2.0 or later`;
        reject(new LighthouseError(ErrorCode.Unavailable, message));
        return;
      }
      resolve(version);
    });
  });
}
