import { describe, expect, it } from 'vitest';
import { loadConfigDir, loadConfigFile } from '../../src/config/index.js';
import { loadReporterSetup, loadWriterSetup } from '../../src/engine/reporter-setup.js';
import { dirWith, issuesOf, resolver } from '../helpers/config-load.js';

/** writer.yaml, and the `state_dir` rule it shares with reporter.yaml. */

describe.each(['reporter', 'writer'] as const)('state_dir in %s.yaml', (daemon) => {
  const file = `${daemon}.yaml`;

  it('defaults to /var/lib/lighthouse and is normalised', async () => {
    const { dir } = await dirWith({ [file]: '{}\n' });
    const empty = await loadConfigFile(dir, file, resolver);
    expect(empty.ok && empty.entry).toMatchObject({
      kind: daemon,
      name: daemon,
      value: { stateDir: '/var/lib/lighthouse' },
    });
    const { dir: other } = await dirWith({ [file]: 'state_dir: /srv//lighthouse/./state\n' });
    const set = await loadConfigFile(other, file, resolver);
    expect(set.ok && set.entry.value).toEqual({ stateDir: '/srv/lighthouse/state' });
  });

  it.each([
    ['state_dir: relative\n', '/state_dir: "relative" is not an absolute path'],
    ['state_dir: "/a\\nb"\n', '/state_dir: "/a\\u000ab" is not an absolute path'],
    ['state_dir: ""\n', '/state_dir'],
    ['state_dir: 3\n', '/state_dir'],
  ])('rejects %j, with the line', async (text, message) => {
    const issues = await issuesOf(file, `# ${daemon}\n${text}`);
    expect(issues.map((issue) => `${issue.pointer}: ${issue.message}`).join('\n')).toContain(
      message,
    );
    expect(issues[0]).toMatchObject({ file, line: 2 });
  });
});

describe('writer.yaml', () => {
  it('has no health proxy (the reporter answers HAProxy, not the writer)', async () => {
    const issues = await issuesOf('writer.yaml', 'health_proxy: {listen: "127.0.0.1:3333"}\n');
    expect(issues.map((issue) => issue.pointer)).toEqual(['/health_proxy']);
  });

  it('is a root file of its own kind, loaded only when asked for', async () => {
    const { dir } = await dirWith({
      'writer.yml': 'state_dir: /srv/writer\n',
      'reporter.yaml': 'state_dir: /srv/reporter\n',
      'clusters/writer.yaml': 'discovery: nowhere\n',
    });
    const writer = await loadConfigDir({ dir, kinds: ['writer'], resolver });
    expect(writer).toMatchObject({
      issues: [],
      entries: [{ kind: 'writer', file: 'writer.yml', value: { stateDir: '/srv/writer' } }],
    });
    const reporter = await loadConfigDir({ dir, kinds: ['reporter'], resolver });
    expect(reporter.entries.map((entry) => entry.kind)).toEqual(['reporter']);
  });
});

describe('loadWriterSetup and loadReporterSetup', () => {
  it('give each daemon its own state directory', async () => {
    const { dir } = await dirWith({
      'writer.yaml': 'state_dir: /srv/writer\n',
      'reporter.yaml': 'state_dir: /srv/reporter\n',
    });
    expect(await loadWriterSetup(dir, resolver)).toEqual({ stateDir: '/srv/writer', issues: [] });
    expect(await loadReporterSetup(dir, resolver)).toMatchObject({
      stateDir: '/srv/reporter',
      issues: [],
    });
  });

  it("default without the file, and report only their own file's problems", async () => {
    const { dir } = await dirWith({ 'writer.yaml': 'state_dir: relative\n' });
    const writer = await loadWriterSetup(dir, resolver);
    expect(writer.stateDir).toBe('/var/lib/lighthouse');
    expect(writer.issues.map((issue) => `${issue.file}: ${issue.pointer}`)).toEqual([
      'writer.yaml: /state_dir',
    ]);
    expect(await loadReporterSetup(dir, resolver)).toMatchObject({
      stateDir: '/var/lib/lighthouse',
      issues: [],
    });
  });
});
