import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess } from './harness.js';

const WARNING = /^WARNING: the API listens on 0\.0\.0\.0, reachable from other machines, without TLS/m;

describe('exposure: attune up on a non-loopback address', () => {
  it('warns on stdout (and in the log) when it listens on all interfaces without TLS', async () => {
    const attune = new AttuneProcess(undefined, { ATTUNE__SERVER__HOST: '0.0.0.0' });
    try {
      await attune.start();
      expect(attune.output).toMatch(WARNING);
      expect(readFileSync(path.join(attune.home, 'logs', 'attune.log'), 'utf8')).toMatch(/"host":"0\.0\.0\.0".*without TLS/);
    } finally {
      await attune.cleanup();
    }
  });

  it('says nothing when server.insecure_ok says the exposure is deliberate, or on loopback', async () => {
    const deliberate = new AttuneProcess(undefined, { ATTUNE__SERVER__HOST: '0.0.0.0', ATTUNE__SERVER__INSECURE_OK: 'true' });
    const loopback = new AttuneProcess();
    try {
      await Promise.all([deliberate.start(), loopback.start()]);
      expect(deliberate.output).toMatch(/is up/);
      expect(deliberate.output).not.toMatch(/without TLS/);
      expect(loopback.output).not.toMatch(/without TLS/);
    } finally {
      await Promise.all([deliberate.cleanup(), loopback.cleanup()]);
    }
  });
});

describe('TLS: server.tls.cert and server.tls.key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'attune-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  let attune: AttuneProcess;

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, made here (openssl is on every machine that runs the tests).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    attune = new AttuneProcess(undefined, { ATTUNE__SERVER__HOST: '0.0.0.0', ATTUNE__SERVER__TLS__CERT: cert, ATTUNE__SERVER__TLS__KEY: key });
    await attune.start();
  });
  afterAll(async () => {
    await attune.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with the certificate, and does not warn', async () => {
    expect(attune.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(attune.output).not.toMatch(/without TLS/);
    const answer = await new Promise<{ status: number; body: string; peer: string }>((resolve, reject) => {
      const req = request(`${attune.url}/api/v1/rules`, { ca: readFileSync(cert), headers: attune.authHeaders }, (res) => {
        const peer = String((res.socket as TLSSocket).getPeerCertificate().subject.CN);
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
      });
      req.once('error', reject);
      req.end();
    });
    expect(answer).toMatchObject({ status: 200, peer: '127.0.0.1' });
    expect(JSON.parse(answer.body)).toHaveProperty('pagination');
    // Plain HTTP on the same port gets no API.
    const plain = await fetch(attune.url.replace('https:', 'http:') + '/api/v1/health').then((r) => r.status, () => 'refused');
    expect(plain).not.toBe(200);
  });

  it('is what the CLI talks to, trusting the certificate through NODE_EXTRA_CA_CERTS', async () => {
    const result = await attune.cli(['rule', 'list'], { NODE_EXTRA_CA_CERTS: cert });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/examples\.tick/);
  });
});
