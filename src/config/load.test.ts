import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../domain/index.js';
import { loadConfig } from './load.js';

describe('loadConfig', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'attune-config-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('starts from the defaults: loopback on 8080, the SQLite file and in-process bus', () => {
    const config = loadConfig({ home, env: {} });
    expect(config.home).toBe(home);
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(config.database.url).toBe('');
    expect(config.bus.url).toBe('memory:');
    expect(config.sensors.restart_base_ms).toBe(5000);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('lets the YAML file override defaults, and ATTUNE__ variables override the file', () => {
    writeFileSync(path.join(home, 'attune.yaml'), 'server:\n  port: 9000\n  host: 0.0.0.0\nworker:\n  concurrency: 4\n');
    const config = loadConfig({ home, env: { ATTUNE__SERVER__PORT: '9100', ATTUNE__PACKS__PATHS: '["a", "b"]' } });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9100 });
    expect(config.worker.concurrency).toBe(4);
    expect(config.packs.paths).toEqual(['a', 'b']);
  });

  it('takes the data dir from --home, then ATTUNE_HOME', () => {
    expect(loadConfig({ env: { ATTUNE_HOME: home } }).home).toBe(home);
    const other = path.join(home, 'other');
    expect(loadConfig({ home: other, env: { ATTUNE_HOME: home } }).home).toBe(other);
  });

  it('names the key of an invalid value or an unknown key', () => {
    const invalid = (env: Record<string, string>) => {
      try {
        loadConfig({ home, env });
      } catch (error) {
        return error as AppError;
      }
      throw new Error('expected the configuration to be refused');
    };
    const port = invalid({ ATTUNE__SERVER__PORT: 'eighty' });
    expect(port.code).toBe('ERR_CONFIG_INVALID');
    expect(port.message).toContain('server.port');
    const unknown = invalid({ ATTUNE__SERVER__PROT: '1' });
    expect(JSON.stringify(unknown.details)).toContain('server');
  });

  it('refuses a config file that is not a mapping', () => {
    writeFileSync(path.join(home, 'attune.yaml'), '- a list\n');
    expect(() => loadConfig({ home, env: {} })).toThrow(AppError);
  });
});
