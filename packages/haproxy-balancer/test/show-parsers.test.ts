import { describe, expect, it } from 'vitest';
import { parseShowProc } from '../src/runtime/master-cli.js';
import { parseServersState, parseStatCsv } from '../src/runtime/show-parsers.js';
import { STATE_HEADER } from './state-header.js';

/** The parsers of HAProxy's `show` replies, against rows measured on 2.6.12. */

describe('show parsers', () => {
  it('refuses a reply that is not a servers state (never an empty list)', () => {
    expect(() => parseServersState('Unknown command.\n')).toThrow(/unexpected/);
    expect(parseServersState(`1\n${STATE_HEADER}\n\n`)).toEqual([]);
  });

  it('reads the agent columns: state flags and port (rows measured on 2.6.12)', () => {
    const rows = parseServersState(
      `1\n${STATE_HEADER}\n` +
        '3 be 1 s1 127.0.0.1 2 8 40 100 3 1 0 1 0 18 0 0 - 18001 0 0 0 - - 17001\n' +
        '3 be 2 s2 127.0.0.1 2 0 10 10 3 1 0 1 0 0 0 0 - 18002 0 0 0 - - 0\n\n',
    );
    expect(rows.map(({ agentState, agentPort }) => ({ agentState, agentPort }))).toEqual([
      { agentState: 0x12, agentPort: 17001 },
      { agentState: 0, agentPort: 0 },
    ]);
    const old = parseServersState(
      '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n' +
        '3 be 1 s1 127.0.0.1 2 0 1 1\n',
    );
    expect(old[0]).toMatchObject({ agentState: 0, agentPort: 0 });
  });

  it('reads every column as splitting each row at spaces does, and refuses a malformed row', () => {
    const rows = Array.from({ length: 50 }, (_, index) =>
      [
        3,
        'be',
        index + 1,
        `s-${index}:80`,
        `10.0.0.${index}`,
        index % 4,
        index % 9,
        index * 3,
        index,
        7,
        1,
        0,
        1,
        0,
        index % 2 === 0 ? 0 : 22,
        0,
        0,
        '-',
        8000 + index,
        '-',
        0,
        0,
        '-',
        '-',
        index % 2 === 0 ? 0 : 9000 + index,
      ].join(' '),
    );
    const parsed = parseServersState(`1\n${STATE_HEADER}\n${rows.join('\n')}\n\n`);
    expect(parsed).toEqual(
      rows.map((row) => {
        const f = row.split(' ');
        return {
          backendId: Number(f[0]),
          backend: f[1],
          serverId: Number(f[2]),
          server: f[3],
          address: f[4],
          opState: Number(f[5]),
          adminState: Number(f[6]),
          weight: Number(f[7]),
          initialWeight: Number(f[8]),
          port: Number(f[18]),
          agentState: Number(f[14]),
          agentPort: Number(f[24]),
        };
      }),
    );
    const fields = rows[0]!.split(' ');
    const withField = (index: number, value: string) =>
      fields.map((field, at) => (at === index ? value : field)).join(' ');
    const malformed = [
      withField(6, 'x'), // a letter in a number
      withField(7, ''), // two spaces: an empty weight
      withField(18, '80.5'),
      fields.slice(0, 6).join(' '), // cut short
    ];
    for (const bad of malformed)
      expect(() => parseServersState(`1\n${STATE_HEADER}\n${bad}\n`), bad).toThrow(/malformed/);
  });

  it('parses show stat CSV', () => {
    const rows = parseStatCsv(
      '# pxname,svname,status,weight,\nweb,a:80,UP,1,\nweb,BACKEND,UP,1,\n\n',
    );
    expect(rows).toEqual([
      { pxname: 'web', svname: 'a:80', status: 'UP', weight: '1' },
      { pxname: 'web', svname: 'BACKEND', status: 'UP', weight: '1' },
    ]);
    expect(() => parseStatCsv('Permission denied\n')).toThrow(/unexpected/);
  });

  it('parses show proc: counters and workers with their generation', () => {
    const proc = parseShowProc(
      '#<PID>          <type>          <reloads>       <uptime>        <version>      \n' +
        '9053            master          2 [failed: 1]   0d00h01m36s     2.6.12-1+deb12u4\n' +
        '# workers\n11001           worker          0               0d00h00m00s     2.6.12\n' +
        '10990           worker          1               0d00h00m09s     2.6.12\n# programs\n\n',
    );
    expect(proc).toEqual({
      masterPid: 9053,
      reloads: 2,
      failed: 1,
      workers: [
        { pid: 11001, reloads: 0 },
        { pid: 10990, reloads: 1 },
      ],
    });
    expect(() => parseShowProc('')).toThrow(/unexpected/);
  });
});
