import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { embeddedBackend, vroomExpressClient, vroomRemoteConfigFromEnv, withFallback, VroomRemoteError, type VrpBackend } from './remote.js';
import type { VroomInput, VroomOutput } from './schema.js';
import { depotProblem, depotSolution } from './test-problems.js';

/** A stand-in for vroom-express on port 0: `answer` decides each response; requests are recorded. */
async function fakeVroomExpress(answer: (n: number, res: ServerResponse, body: unknown) => void) {
  const requests: { method: string | undefined; url: string | undefined; contentType: string | undefined; body: unknown }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const body: unknown = JSON.parse(raw);
      requests.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body });
      answer(requests.length, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  servers.push(close);
  return { url: `http://127.0.0.1:${port}/`, requests, close };
}

const servers: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.allSettled(servers.map((close) => close()));
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Records the backoff delays instead of waiting them. */
function recordedSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** The embedded solver stand-in: answers at once with a recognizable (empty) plan. */
function stubEmbedded(): VrpBackend & { calls: number } {
  const backend = {
    calls: 0,
    name: 'embedded' as const,
    async solve(_input: VroomInput): Promise<VroomOutput> {
      backend.calls++;
      const plan = depotSolution();
      plan.summary.computing_times.solving = 42;
      return plan;
    },
  };
  return backend;
}

describe('vroomExpressClient', () => {
  it('POSTs the problem as JSON to the base URL and returns the solution', async () => {
    const remote = await fakeVroomExpress((_n, res) => send(res, 200, depotSolution()));
    const output = await vroomExpressClient({ url: remote.url }).solve(depotProblem());
    assert.deepEqual(output, depotSolution());
    assert.equal(remote.requests.length, 1);
    const [request] = remote.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/');
    assert.equal(request?.contentType, 'application/json');
    assert.deepEqual(request?.body, depotProblem());
  });

  it('retries after a 5xx with doubling backoff, then returns the solution', async () => {
    const remote = await fakeVroomExpress((n, res) =>
      n <= 2 ? send(res, 500, { code: 3, error: 'Failed to connect to OSRM' }) : send(res, 200, depotSolution()),
    );
    const { delays, sleep } = recordedSleep();
    const output = await vroomExpressClient({ url: remote.url, retries: 2, backoffMs: 100, sleep }).solve(depotProblem());
    assert.equal(output.code, 0);
    assert.equal(remote.requests.length, 3);
    assert.deepEqual(delays, [100, 200]);
  });

  it('gives up after the configured retries, naming the status and VROOM error', async () => {
    const remote = await fakeVroomExpress((_n, res) => send(res, 500, { code: 1, error: 'Internal error' }));
    const { sleep } = recordedSleep();
    await assert.rejects(vroomExpressClient({ url: remote.url, retries: 1, sleep }).solve(depotProblem()), (err: unknown) => {
      assert.ok(err instanceof VroomRemoteError);
      assert.equal(err.code, 'VROOM_REMOTE_HTTP');
      assert.equal(err.attempts, 2);
      assert.match(err.message, /HTTP 500 \(code 1: Internal error\)/);
      return true;
    });
    assert.equal(remote.requests.length, 2);
  });

  it("passes VROOM's input error (HTTP 400, code 2) through without retrying", async () => {
    const remote = await fakeVroomExpress((_n, res) => send(res, 400, { code: 2, error: 'Invalid shipment.' }));
    const output = await vroomExpressClient({ url: remote.url, sleep: recordedSleep().sleep }).solve(depotProblem());
    assert.deepEqual(output, { code: 2, error: 'Invalid shipment.' });
    assert.equal(remote.requests.length, 1);
  });
});

describe('withFallback(remote, embedded)', () => {
  it('marks a remote answer as coming from the remote backend', async () => {
    const remote = await fakeVroomExpress((_n, res) => send(res, 200, depotSolution()));
    const embedded = stubEmbedded();
    const output = await withFallback(vroomExpressClient({ url: remote.url }), embedded).solve(depotProblem());
    assert.deepEqual(output.fieldtrace, { backend: 'remote' });
    assert.equal(embedded.calls, 0);
  });

  it('falls back on a timeout, once, and says so in the plan', async () => {
    // Never answers: the request hangs until the client's timeout.
    const remote = await fakeVroomExpress(() => undefined);
    const embedded = stubEmbedded();
    const reasons: string[] = [];
    const backend = withFallback(vroomExpressClient({ url: remote.url, timeoutMs: 150, retries: 2, sleep: recordedSleep().sleep }), embedded, {
      onFallback: (reason) => reasons.push(reason),
    });
    const started = performance.now();
    const output = await backend.solve(depotProblem());
    const elapsedMs = performance.now() - started;
    assert.equal(output.code, 0);
    assert.equal(output.code === 0 && output.summary.computing_times.solving, 42, 'the plan is the embedded solver’s');
    assert.equal(output.fieldtrace?.backend, 'embedded');
    assert.match(output.fieldtrace?.fallbackReason ?? '', /did not answer within 150 ms/);
    assert.deepEqual(reasons, [output.fieldtrace?.fallbackReason]);
    assert.equal(remote.requests.length, 1, 'a timed-out solve is not retried');
    assert.ok(elapsedMs >= 140 && elapsedMs < 2000, `fell back after the timeout (${elapsedMs.toFixed(0)} ms)`);
  });

  it('falls back when vroom-express is unreachable, after retrying', async () => {
    const gone = await fakeVroomExpress(() => undefined);
    await gone.close();
    const { delays, sleep } = recordedSleep();
    const output = await withFallback(vroomExpressClient({ url: gone.url, retries: 2, backoffMs: 10, sleep }), stubEmbedded()).solve(depotProblem());
    assert.equal(output.fieldtrace?.backend, 'embedded');
    assert.match(output.fieldtrace?.fallbackReason ?? '', /is unreachable: fetch failed: .*ECONNREFUSED/);
    assert.deepEqual(delays, [10, 20], 'two retries before giving up');
  });

  it('falls back without retrying when vroom-express refuses a problem as too large (HTTP 413)', async () => {
    const remote = await fakeVroomExpress((_n, res) => send(res, 413, { code: 4, error: 'Too many locations ( 1001 ) in query, maximum is set to 1000' }));
    const output = await withFallback(vroomExpressClient({ url: remote.url, sleep: recordedSleep().sleep }), stubEmbedded()).solve(depotProblem());
    assert.equal(output.fieldtrace?.backend, 'embedded');
    assert.match(output.fieldtrace?.fallbackReason ?? '', /refused the problem: Too many locations/);
    assert.equal(remote.requests.length, 1);
  });

  it('falls back when the answer is not VROOM output', async () => {
    const remote = await fakeVroomExpress((_n, res) => send(res, 200, '<html>proxy error</html>'));
    const output = await withFallback(vroomExpressClient({ url: remote.url }), stubEmbedded()).solve(depotProblem());
    assert.equal(output.fieldtrace?.backend, 'embedded');
    assert.match(output.fieldtrace?.fallbackReason ?? '', /not VROOM output/);
  });

  it("does not fall back on VROOM's input error: the problem is wrong, not the backend", async () => {
    const remote = await fakeVroomExpress((_n, res) => send(res, 400, { code: 2, error: 'Invalid shipment.' }));
    const embedded = stubEmbedded();
    const output = await withFallback(vroomExpressClient({ url: remote.url }), embedded).solve(depotProblem());
    assert.deepEqual(output, { code: 2, error: 'Invalid shipment.', fieldtrace: { backend: 'remote' } });
    assert.equal(embedded.calls, 0);
  });

  it("rethrows the caller's abort instead of falling back", async () => {
    const remote = await fakeVroomExpress(() => undefined);
    const embedded = stubEmbedded();
    const controller = new AbortController();
    const solving = withFallback(vroomExpressClient({ url: remote.url }), embedded).solve(depotProblem(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(solving, (err: unknown) => err instanceof VroomRemoteError && err.code === 'VROOM_REMOTE_ABORTED');
    assert.equal(embedded.calls, 0);
  });

  it('embeddedBackend adapts a synchronous solve function', async () => {
    const backend = embeddedBackend(() => ({ code: 1, error: 'boom' }));
    assert.equal(backend.name, 'embedded');
    assert.deepEqual(await backend.solve(depotProblem()), { code: 1, error: 'boom' });
  });
});

describe('vroomRemoteConfigFromEnv', () => {
  it('is off without VROOM_URL and reads defaults otherwise', () => {
    assert.equal(vroomRemoteConfigFromEnv({}), undefined);
    assert.deepEqual(vroomRemoteConfigFromEnv({ VROOM_URL: 'http://vroom:3000/' }), { url: 'http://vroom:3000/', timeoutMs: 30000, retries: 2 });
    assert.deepEqual(vroomRemoteConfigFromEnv({ VROOM_URL: 'http://vroom:3000/', VROOM_TIMEOUT_MS: '5000', VROOM_RETRIES: '0' }), {
      url: 'http://vroom:3000/',
      timeoutMs: 5000,
      retries: 0,
    });
  });

  it('lists every invalid value at once', () => {
    assert.throws(
      () => vroomRemoteConfigFromEnv({ VROOM_URL: 'not a url', VROOM_TIMEOUT_MS: '0', VROOM_RETRIES: 'x' }),
      (err: Error) => /VROOM_URL/.test(err.message) && /VROOM_TIMEOUT_MS/.test(err.message) && /VROOM_RETRIES/.test(err.message),
    );
  });
});
