import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from '../src/did-you-mean.js';
import { closestMatch as exported } from '../src/index.js';

describe('editDistance', () => {
  it.each([
    ['interval', 'interval', 0],
    ['intervall', 'interval', 1],
    ['intrval', 'interval', 1],
    ['methd', 'method', 1],
    ['haproxi', 'haproxy', 1],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });

  it('counts a swap of neighbouring characters as one edit', () => {
    expect(editDistance('rsie', 'rise')).toBe(1);
    expect(editDistance('optoin', 'option')).toBe(1);
    expect(editDistance('chekc', 'check')).toBe(1);
    expect(editDistance('shraed', 'shared')).toBe(1);
    // Two separate swaps are two edits; a swap does not reach across a third character.
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('abcd', 'badc')).toBe(2);
    expect(editDistance('abc', 'cba')).toBe(2);
    // Optimal string alignment: no substring is edited twice (true Damerau would say 2).
    expect(editDistance('ca', 'abc')).toBe(3);
  });
});

describe('closestMatch', () => {
  it('is what @lighthouse/core exports', () => {
    expect(exported).toBe(closestMatch);
  });

  it('suggests the closest candidate', () => {
    expect(closestMatch('haproxi', ['haproxy', 'nginx'])).toBe('haproxy');
    expect(closestMatch('fal', ['fall', 'falls'])).toBe('fall');
    expect(closestMatch('dpth', ['depth', 'port'])).toBe('depth');
    expect(closestMatch('timout', ['timeout', 'rise', 'fall'])).toBe('timeout');
    expect(closestMatch('tiemout', ['timeout', 'rise', 'fall'])).toBe('timeout');
  });

  it('counts a swap as one edit', () => {
    expect(closestMatch('rsie', ['rise', 'fall', 'timeout'])).toBe('rise');
    expect(closestMatch('esn', ['esm'])).toBe('esm');
    // A 4-letter word may be one edit away; a swap is now one, where it used to be two.
    expect(closestMatch('prot', ['port', 'host'])).toBe('port');
    expect(closestMatch('tpc', ['http', 'tcp'])).toBe('tcp');
  });

  it('prefers a candidate the word starts with and runs on from, the longest', () => {
    expect(closestMatch('logfoo', ['log', 'log-tag', 'mode'])).toBe('log');
    expect(closestMatch('intervall', ['interval', 'http'])).toBe('interval');
    expect(closestMatch('zookeeper2', ['zookeeper'])).toBe('zookeeper');
    expect(closestMatch('option forwardfor-oops', ['option', 'option forwardfor'])).toBe(
      'option forwardfor',
    );
    // The run-on beats a candidate two edits away...
    expect(closestMatch('risexx', ['rise', 'raisex'])).toBe('rise');
    expect(closestMatch('timeoutxx', ['timeout', 'timeoutyyx'])).toBe('timeout');
  });

  it('still prefers a candidate one edit away to a shorter one the word starts with', () => {
    expect(closestMatch('stick-tabel', ['stick', 'stick-table'])).toBe('stick-table');
    expect(closestMatch('send-proxy-v3', ['send-proxy', 'send-proxy-v2'])).toBe('send-proxy-v2');
    // ...and at one edit either way, the one the word starts with.
    expect(closestMatch('logs', ['loge', 'log'])).toBe('log');
  });

  it('does not count running on into another word', () => {
    expect(closestMatch('option foo', ['option', 'mode'])).toBeUndefined();
  });

  it('ignores case, and answers with the candidate as written', () => {
    expect(closestMatch('MODE', ['mode', 'log'])).toBe('mode');
    expect(closestMatch('Mdoe', ['mode', 'log'])).toBe('mode');
    expect(closestMatch('LOGFOO', ['log'])).toBe('log');
    expect(closestMatch('metaCluster', ['meta_cluster', 'metadata'])).toBe('meta_cluster');
    expect(closestMatch('socketfile', ['socketFile', 'pidFile'])).toBe('socketFile');
  });

  it('never suggests the word itself', () => {
    expect(closestMatch('option', ['option'])).toBeUndefined();
    expect(closestMatch('option', ['option', 'optionz'])).toBe('optionz');
    expect(closestMatch('http', ['http', 'https'])).toBe('https');
  });

  it('suggests nothing when every candidate is too far', () => {
    expect(closestMatch('timeout', ['rise', 'fall'])).toBeUndefined();
    expect(closestMatch('consul', [])).toBeUndefined();
    expect(closestMatch('consul', ['zookeeper'])).toBeUndefined();
    // Up to a third of the word's length, at least 1: short words get near-certain hints only.
    expect(closestMatch('foo', ['log', 'mode'])).toBeUndefined();
    expect(closestMatch('udp', ['tcp', 'http'])).toBeUndefined();
    expect(closestMatch('hlth', ['health'])).toBeUndefined();
    expect(closestMatch('tmeot', ['timeout'])).toBeUndefined();
    expect(closestMatch('tmeout', ['timeout'])).toBe('timeout');
    expect(closestMatch('interv', ['interval'])).toBe('interval');
    expect(closestMatch('intr', ['interval'])).toBeUndefined();
    expect(closestMatch('anything', ['', 'something'])).toBeUndefined();
  });

  it('breaks ties the same way whatever the order of the candidates', () => {
    const candidates = ['tcp', 'top', 'tap', 'tip'];
    for (const order of [candidates, [...candidates].reverse(), [...candidates].sort()]) {
      // All one substitution away: byte order decides.
      expect(closestMatch('txp', order)).toBe('tap');
    }
    expect(closestMatch('fal', ['falls', 'fall', 'fail'])).toBe('fail');
    expect(closestMatch('fal', new Set(['fall', 'falls']))).toBe('fall');
    expect(closestMatch('mode', ['modes', 'mod'])).toBe('mod');
    expect(closestMatch('mode', ['mod', 'modes'])).toBe('mod');
  });
});

describe('didYouMean', () => {
  it('renders the hint, or nothing', () => {
    expect(didYouMean('intervall', ['interval'])).toBe(' (did you mean "interval"?)');
    expect(didYouMean('whatever', ['interval'])).toBe('');
  });
});
