// What the benches read of a process in /proc (proc(5)): one reading of its CPU time, shared by
// every bench that measures a daemon's cost.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

const ticksPerSecond =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** User and system CPU seconds of a process, from /proc/<pid>/stat (utime, stime). */
export async function cpuOf(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // After "pid (comm) " the fields start at state (field 3): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / ticksPerSecond, system: Number(fields[12]) / ticksPerSecond };
}
