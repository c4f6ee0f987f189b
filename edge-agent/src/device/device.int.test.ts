import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { loadConfig, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { parseUplinkTopic, validateUplink, type GpsFix } from '@fieldtrace/protocol';
import { newSecret, sharedFixture, waitFor } from '@fieldtrace/testkit';
import { AgentConfig, buildAgent } from '../agent/index.js';
import { MavlinkConfig } from '../mavlink/config-schema.js';
import { InputsConfig } from './inputs-config.js';
import { buildSources } from './build-sources.js';

test('device mode: a real receiver capture flows NMEA → durable queue → MQTT as valid fixes, in order', async (t) => {
  const broker = await Aedes.createBroker();
  const fixes: GpsFix[] = [];
  broker.on('publish', (packet, client) => {
    if (!client) return;
    const address = parseUplinkTopic(packet.topic);
    if (!address || (address.kind !== 'fix' && address.kind !== 'fixes')) return;
    const body = JSON.parse(packet.payload.toString());
    const checked = validateUplink(address.kind, body);
    assert.ok(checked.ok, checked.ok ? '' : checked.detail);
    if (address.kind === 'fix') fixes.push(body as GpsFix);
    else fixes.push(...(body as { fixes: GpsFix[] }).fixes);
  });
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const queueDir = mkdtempSync(join(tmpdir(), 'ft-device-'));
  let agent: ReturnType<typeof buildAgent> | null = null;
  t.after(async () => {
    await agent?.close();
    await new Promise<void>((r) => broker.close(() => r()));
    server.close();
    rmSync(queueDir, { recursive: true, force: true });
  });

  const env = {
    MQTT_URL: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, TENANT_ID: 'acme', DEVICE_ID: 'plow-7',
    DEVICE_SECRET: newSecret(), QUEUE_DIR: queueDir, ADAPTIVE_FILTER: 'false', LAST_WILL: 'false',
    GPS_SOURCE: 'nmea-file', NMEA_FILE: sharedFixture('fixtures/nmea/nmea-rtk.log'), NMEA_REPLAY_SPEED: '0', LOG_LEVEL: 'silent',
  };
  const sources = await buildSources(loadConfig(InputsConfig, env), loadConfig(MavlinkConfig, env), { clock: systemClock, logger: silentLogger });
  agent = buildAgent(loadConfig(AgentConfig, env), { logger: silentLogger, clock: systemClock, sources });
  await agent.start();

  // gpsd reports 122 timed fixes for this RTK capture (see the NMEA acceptance test); all of them arrive.
  await waitFor('122 fixes at the broker', () => fixes.length >= 122, 20_000);
  assert.equal(fixes.length, 122);
  for (let i = 1; i < fixes.length; i++) {
    assert.ok(fixes[i]!.seq > fixes[i - 1]!.seq, 'seq increases');
    assert.ok(fixes[i]!.ts > fixes[i - 1]!.ts, 'event time is the receiver\'s, in order');
  }
  assert.ok(fixes.some((f) => f.fix === 'rtk-fixed'), 'RTK quality survives the trip');
});

test('device mode: missing input settings are reported together', async () => {
  const env = { GPS_SOURCE: 'nmea-serial', MAVLINK_ENABLED: 'true', MAVLINK_LINK: 'tlog', IMAGERY_DIR: '/tmp/pictures' };
  await assert.rejects(
    buildSources(loadConfig(InputsConfig, env), loadConfig(MavlinkConfig, env), { clock: systemClock, logger: silentLogger }),
    (err: Error) => ['NMEA_SERIAL_PATH', 'MAVLINK_FILE', 'IMAGERY_API_URL', 'IMAGERY_API_KEY'].every((name) => err.message.includes(name)),
  );
});
