import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { haversineM, type LonLat } from '@fieldtrace/protocol';
import { learnedTravelTimes, osrmTable, valhallaMatrix, type TravelTimeSource } from './matrix-source.js';
import { SpeedProfile } from './speed-profile.js';
import { LIVERPOOL, T0 } from './test-constants.js';

const FROM: LonLat = [LIVERPOOL[1], LIVERPOOL[0]];
const TO: LonLat[] = [
  [-2.98, 53.41],
  [-2.97, 53.42],
  [-2.96, 53.43],
];
const profile = new SpeedProfile({ priorSpeedMs: 10, priorDetourFactor: 1.3 });
const fallback = learnedTravelTimes(profile);

interface Seen {
  method: string;
  url: URL;
  body: string;
}

/** A local HTTP server answering like a routing engine; `answer` writes the response. */
async function engine(answer: (req: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { method: req.method!, url: new URL(req.url!, 'http://engine'), body };
      seen.push(s);
      answer(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** OSRM's table answer for `n` destinations: 100 s and 1,000 m per index, null where `unroutable`. */
function osrmAnswer(n: number, unroutable: ReadonlySet<number> = new Set()) {
  const row = Array.from({ length: n }, (_, j) => (unroutable.has(j) ? null : 100 * (j + 1)));
  return {
    code: 'Ok',
    durations: [row],
    distances: [row.map((d) => (d === null ? null : d * 10))],
    sources: [{ hint: '', distance: 3.2, name: 'Dale Street', location: FROM }],
    destinations: Array.from({ length: n }, () => ({ hint: '', distance: 1.1, name: '', location: FROM })),
  };
}

test('the learned source is the great circle × detour through the profile', async () => {
  const [e] = await fallback.durations(FROM, [TO[0]!], T0);
  const straight = haversineM(FROM[1], FROM[0], TO[0]![1], TO[0]![0]);
  assert.equal(e!.method, 'great-circle');
  assert.ok(Math.abs(e!.distanceM - straight * 1.3) < 1e-6);
  assert.ok(Math.abs(e!.seconds - (straight * 1.3) / 10) < 1e-6);
});

test('OSRM: one table request from the source to every destination, answered as matrix estimates', async () => {
  const osrm = await engine((req, res) => json(res, 200, osrmAnswer(req.url.searchParams.get('destinations')!.split(';').length)));
  try {
    const source = osrmTable({ baseUrl: `${osrm.url}/`, fallback });
    const out = await source.durations(FROM, TO, T0);
    assert.deepEqual(out, [
      { seconds: 100, distanceM: 1000, method: 'matrix' },
      { seconds: 200, distanceM: 2000, method: 'matrix' },
      { seconds: 300, distanceM: 3000, method: 'matrix' },
    ]);
    assert.equal(osrm.seen.length, 1);
    const { url, method } = osrm.seen[0]!;
    assert.equal(method, 'GET');
    assert.equal(url.pathname, '/table/v1/driving/-2.991600,53.408400;-2.980000,53.410000;-2.970000,53.420000;-2.960000,53.430000');
    assert.equal(url.searchParams.get('sources'), '0');
    assert.equal(url.searchParams.get('destinations'), '1;2;3');
    assert.equal(url.searchParams.get('annotations'), 'duration,distance');
    assert.deepEqual(source.stats, { requests: 1, failures: 0, fallbacks: 0, lastError: null });
  } finally {
    await osrm.close();
  }
});

test('OSRM: a pair without a route falls back alone; large requests are split and keep their order', async () => {
  const osrm = await engine((req, res) => {
    const n = req.url.searchParams.get('destinations')!.split(';').length;
    json(res, 200, osrmAnswer(n, osrm.seen.length === 1 ? new Set([1]) : new Set()));
  });
  try {
    const source = osrmTable({ baseUrl: osrm.url, fallback, maxDestinations: 2 });
    const out = await source.durations(FROM, [...TO, TO[0]!], T0);
    assert.deepEqual(
      out.map((e) => e.method),
      ['matrix', 'great-circle', 'matrix', 'matrix'],
    );
    assert.deepEqual(
      out.map((e) => Math.round(e.seconds)),
      [100, Math.round((await fallback.durations(FROM, [TO[1]!], T0))[0]!.seconds), 100, 200],
    );
    assert.equal(osrm.seen.length, 2);
    assert.deepEqual(source.stats, { requests: 2, failures: 0, fallbacks: 1, lastError: null });
  } finally {
    await osrm.close();
  }
});

test('OSRM: a slow engine is abandoned at the timeout and the estimate answers', async () => {
  const osrm = await engine(() => {
    /* never answers */
  });
  try {
    const source = osrmTable({ baseUrl: osrm.url, fallback, timeoutMs: 150 });
    const t0 = performance.now();
    const out = await source.durations(FROM, TO, T0);
    const took = performance.now() - t0;
    assert.ok(took >= 140 && took < 1000, `took ${took} ms`);
    assert.deepEqual(out, await fallback.durations(FROM, TO, T0));
    assert.equal(source.stats.failures, 1);
    assert.equal(source.stats.fallbacks, 3);
  } finally {
    await osrm.close();
  }
});

test('OSRM: unreachable, an engine error or a malformed answer all fall back, and say why', async () => {
  const closed = await engine(() => undefined);
  const deadUrl = closed.url;
  await closed.close();
  const down = osrmTable({ baseUrl: deadUrl, fallback, timeoutMs: 1000 });
  assert.deepEqual(await down.durations(FROM, TO, T0), await fallback.durations(FROM, TO, T0));
  assert.equal(down.stats.failures, 1);
  assert.ok(down.stats.lastError);

  const answers: Array<[number, unknown]> = [
    [400, { code: 'InvalidQuery', message: 'Query string malformed close to position 28' }],
    [200, { code: 'Ok', durations: [[1, 2]] }],
    [502, '<html>bad gateway</html>'],
  ];
  const osrm = await engine((_req, res) => {
    const [status, body] = answers[osrm.seen.length - 1]!;
    if (typeof body === 'string') {
      res.writeHead(status);
      res.end(body);
    } else json(res, status, body);
  });
  try {
    const source = osrmTable({ baseUrl: osrm.url, fallback });
    for (let i = 0; i < answers.length; i++) {
      const out = await source.durations(FROM, TO, T0);
      assert.deepEqual(out.map((e) => e.method), ['great-circle', 'great-circle', 'great-circle']);
    }
    assert.equal(source.stats.failures, 3);
    assert.match(source.stats.lastError ?? '', /HTTP 502/);
  } finally {
    await osrm.close();
  }
});

test('OSRM: the engine error message is kept for the operator', async () => {
  const osrm = await engine((_req, res) => json(res, 400, { code: 'TooBig', message: 'Too many table coordinates' }));
  try {
    const source = osrmTable({ baseUrl: osrm.url, fallback });
    await source.durations(FROM, TO, T0);
    assert.equal(source.stats.lastError, 'OSRM TooBig: Too many table coordinates');
  } finally {
    await osrm.close();
  }
});

test('Valhalla: one sources_to_targets request, kilometres converted, unroutable pairs fall back', async () => {
  const valhalla = await engine((req, res) => {
    const body = JSON.parse(req.body) as { targets: unknown[] };
    json(res, 200, {
      sources_to_targets: [
        body.targets.map((_, j) => ({
          from_index: 0,
          to_index: j,
          time: j === 2 ? null : 60 * (j + 1),
          distance: j === 2 ? null : 1.5 * (j + 1),
        })),
      ],
      units: 'kilometers',
    });
  });
  try {
    const source: TravelTimeSource & { stats: { fallbacks: number } } = valhallaMatrix({ baseUrl: valhalla.url, fallback });
    const out = await source.durations(FROM, TO, T0);
    assert.deepEqual(out.slice(0, 2), [
      { seconds: 60, distanceM: 1500, method: 'matrix' },
      { seconds: 120, distanceM: 3000, method: 'matrix' },
    ]);
    assert.equal(out[2]!.method, 'great-circle');
    assert.equal(source.stats.fallbacks, 1);
    const { method, url, body } = valhalla.seen[0]!;
    assert.equal(method, 'POST');
    assert.equal(url.pathname, '/sources_to_targets');
    const sent = JSON.parse(body) as { sources: unknown; targets: unknown; costing: string };
    assert.deepEqual(sent.sources, [{ lat: FROM[1], lon: FROM[0] }]);
    assert.deepEqual(sent.targets, TO.map(([lon, lat]) => ({ lat, lon })));
    assert.equal(sent.costing, 'auto');
  } finally {
    await valhalla.close();
  }
});
