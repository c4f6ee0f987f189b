import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon } from '@fieldtrace/protocol';
import { silentLogger } from '@fieldtrace/service-kit';
import { openStore } from '@fieldtrace/store';
import { hourOfWeek } from '@fieldtrace/travel-time';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { createEtaState, profileOf, stepEta, type EtaOptions } from '../eta/eta-core.js';
import { loadProfiles, saveProfiles } from './speed-profiles.js';
import { fixAt, LIVERPOOL, T0 } from '../test-support/tracks.js';

const OPTS: EtaOptions = { detourFactor: 1.3, defaultSpeedMs: 8.3, minChangeS: 120, maxSilenceS: 30, minIntervalS: 5 };

test('speeds the fleet has driven are saved and come back after a restart', async () => {
  const db = await openStore({ pgliteThread: 'inline' }, silentLogger);
  try {
    await db.query("INSERT INTO tenants (id, name) VALUES ('t1', 'T1')");
    const directory = new FleetDirectory();
    directory.ensure('t1').replaceDevices([{ id: 'd1', vehicleId: 'v1' }]);
    const before = createEtaState(OPTS, directory);
    // Ten minutes north at 15 m/s, a fix every 5 s.
    for (let k = 0; k < 120; k++) {
      const [lat, lon] = offsetLatLon(LIVERPOOL[0], LIVERPOOL[1], 0, 75 * k);
      stepEta(before, fixAt(lat, lon, T0 + k * 5000, { speed: 15 }), []);
    }
    const learned = profileOf(before, 't1').snapshot();
    assert.ok(learned.rows.length > 3, `${learned.rows.length} cells learned`);
    await saveProfiles(db, before, silentLogger, true);

    const after = createEtaState(OPTS, new FleetDirectory());
    await loadProfiles(db, after);
    const restored = profileOf(after, 't1');
    const [lat, lon] = offsetLatLon(LIVERPOOL[0], LIVERPOOL[1], 0, 3000);
    const hour = hourOfWeek(T0);
    assert.ok(Math.abs(restored.speedAt(lat, lon, hour) - profileOf(before, 't1').speedAt(lat, lon, hour)) < 0.01);
    assert.ok(restored.speedAt(lat, lon, hour) > 12, `restored speed ${restored.speedAt(lat, lon, hour)} m/s where the fleet drove 15`);
  } finally {
    await db.close();
  }
});
