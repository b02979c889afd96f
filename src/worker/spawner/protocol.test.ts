import { describe, expect, it } from 'vitest';
import { describeHelperExit, parseReply, parseRequest } from './protocol.js';

const exit = { type: 'exit', id: 3, code: 0, signal: null, stdout: 'out', stderr: '' };
const spawn = { type: 'spawn', id: 3, command: 'sh', args: ['-c', 'true'], cwd: '/', env: { PATH: '/bin' }, stdin: '', maxOutputBytes: 10 };

describe('spawner protocol', () => {
  it('accepts each reply of the closed set as it is', () => {
    for (const reply of [{ type: 'ready' }, { type: 'spawned', id: 3, pid: 42 }, exit, { ...exit, code: null, signal: 'SIGTERM', spawnError: { code: 'ENOENT', message: 'gone' } }]) {
      expect(parseReply(reply)).toEqual({ ok: true, value: reply });
    }
  });

  it('refuses a reply it cannot use, and says what is wrong with it', () => {
    expect(parseReply('ready')).toEqual({ ok: false, error: 'a message that is not an object' });
    expect(parseReply({ type: 'log', line: 'x' })).toEqual({ ok: false, error: 'a message of unknown type "log"' });
    expect(parseReply({ type: 'spawned', id: 3 })).toEqual({ ok: false, error: 'an ill-formed spawned message (bad pid)' });
    expect(parseReply({ ...exit, id: -1 })).toEqual({ ok: false, error: 'an ill-formed exit message (bad id)' });
    expect(parseReply({ ...exit, stdout: undefined })).toEqual({ ok: false, error: 'an ill-formed exit message (bad stdout)' });
    expect(parseReply({ ...exit, signal: 'TERM; rm' })).toEqual({ ok: false, error: 'an ill-formed exit message (bad signal)' });
    expect(parseReply({ ...exit, spawnError: 'ENOENT' })).toEqual({ ok: false, error: 'an ill-formed exit message (bad spawnError)' });
  });

  it('accepts a spawn request, and refuses a bad one naming its id when it has one', () => {
    expect(parseRequest(spawn)).toEqual({ ok: true, value: spawn });
    expect(parseRequest({ ...spawn, cell: { kind: 'environ', tag: 'x' } }).ok).toBe(true);
    expect(parseRequest({ ...spawn, env: { PATH: 1 } })).toEqual({ ok: false, error: 'a spawn request with a bad env', id: 3 });
    expect(parseRequest({ ...spawn, cell: { kind: 'none', tag: '' } })).toEqual({ ok: false, error: 'a spawn request with a bad cell', id: 3 });
    expect(parseRequest({ ...spawn, id: 'x' })).toEqual({ ok: false, error: 'a spawn request with a bad id' });
    expect(parseRequest({ type: 'kill', id: 3 })).toEqual({ ok: false, error: 'a message that is not a spawn request' });
  });

  it('puts the way the helper ended in words', () => {
    expect(describeHelperExit(null, 'SIGKILL')).toMatch(/^killed by SIGKILL: .*out-of-memory killer/);
    expect(describeHelperExit(null, 'SIGSEGV')).toBe('killed by SIGSEGV');
    expect(describeHelperExit(0, null)).toBe('exit code 0: its channel to the worker closed');
    expect(describeHelperExit(1, null)).toBe('exit code 1: an uncaught exception; its stderr says which');
    expect(describeHelperExit(65, null)).toMatch(/^exit code 65: it got a message that is not a spawn request/);
    expect(describeHelperExit(42, null)).toBe('exit code 42');
  });
});
