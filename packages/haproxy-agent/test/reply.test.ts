import { describe, expect, it } from 'vitest';
import { agentReply } from '../src/reply.js';
import { failing, healthy, inMaintenance } from './helpers.js';

describe('agentReply', () => {
  it.each([
    ['one healthy port', [healthy()], 'up ready 75%'],
    ['one healthy port of two', [failing(8080), healthy(8081)], 'up ready 75%'],
    ['every port failing', [failing(8080), failing(8081)], 'down ready 75%'],
    ['drain on a healthy port', [inMaintenance(healthy(), 'drain')], 'up drain 0%'],
    [
      'drain on one port of two',
      [healthy(8080), inMaintenance(healthy(8081), 'drain')],
      'up drain 0%',
    ],
    ['drain while every port fails', [inMaintenance(failing(), 'drain')], 'down drain 0%'],
    ['down maintenance on a healthy port', [inMaintenance(healthy(), 'down')], 'up maint 0%'],
    ['down maintenance while failing', [inMaintenance(failing(), 'down')], 'down maint 0%'],
    [
      'down beats drain when ports differ',
      [inMaintenance(healthy(8080), 'drain'), inMaintenance(healthy(8081), 'down')],
      'up maint 0%',
    ],
  ] as const)('%s → %s', (_name, ports, expected) => {
    expect(agentReply(ports, 75)).toBe(expected);
  });

  it('answers an empty line (HAProxy: no change) before the reporter said anything', () => {
    expect(agentReply([], 75)).toBe('');
  });

  it('always carries an operational word, an admin word and a weight', () => {
    const states = [
      [healthy()],
      [failing()],
      [inMaintenance(healthy(), 'drain')],
      [inMaintenance(failing(), 'down')],
    ];
    for (const ports of states) {
      expect(agentReply(ports, 40)).toMatch(/^(up|down) (ready|drain|maint) \d{1,3}%$/);
    }
  });

  it('never sends a description, whatever the reasons hold', () => {
    const hostile = [
      inMaintenance(failing(8080, 'HTTP 500: #secret, 50% up ready\n'), 'drain', 'alice #x'),
    ];
    expect(agentReply(hostile, 50)).toBe('down drain 0%');
    expect(agentReply([failing(8080, '# up ready 100%')], 50)).toBe('down ready 50%');
  });

  it.each([
    [40, '40%'],
    [0, '0%'],
    [100, '100%'],
    [40.9, '40%'],
    [150, '100%'],
    [-5, '0%'],
    [Number.NaN, '100%'],
  ])('sends weight %s as %s (an integer 0-100)', (weight, word) => {
    expect(agentReply([healthy()], weight)).toBe(`up ready ${word}`);
  });
});
