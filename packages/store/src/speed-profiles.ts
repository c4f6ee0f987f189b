import type { Db } from './db.js';

/**
 * The fleet's learned travel speeds (see @fieldtrace/travel-time's SpeedProfile): written by the ETA processor, read
 * back at its start and by the API's on-demand ETA. Plain rows here; the travel-time package gives them meaning.
 */
export interface SpeedProfileRecord {
  rows: Array<{ cell: string; hourOfWeek: number; n: number; meanSpeedMs: number }>;
  detour: { pathM: number; chordM: number };
}

export async function loadSpeedProfile(db: Db, tenantId: string): Promise<SpeedProfileRecord> {
  const [rows, detour] = await Promise.all([
    db.query<{ cell: string; hour_of_week: number; n: number; mean_speed_ms: number }>(
      'SELECT cell, hour_of_week, n, mean_speed_ms FROM speed_profiles WHERE tenant_id = $1',
      [tenantId],
    ),
    db.query<{ path_m: number; chord_m: number }>('SELECT path_m, chord_m FROM speed_profile_detours WHERE tenant_id = $1', [tenantId]),
  ]);
  return {
    rows: rows.map((r) => ({ cell: r.cell, hourOfWeek: r.hour_of_week, n: r.n, meanSpeedMs: r.mean_speed_ms })),
    detour: { pathM: detour[0]?.path_m ?? 0, chordM: detour[0]?.chord_m ?? 0 },
  };
}

/** Replaces the stored profile with `record` in one transaction (rows for cells no longer learned are dropped). */
export async function saveSpeedProfile(db: Db, tenantId: string, record: SpeedProfileRecord): Promise<void> {
  const r = record.rows;
  await db.transaction([
    { sql: 'DELETE FROM speed_profiles WHERE tenant_id = $1', params: [tenantId] },
    {
      sql: `INSERT INTO speed_profiles (tenant_id, cell, hour_of_week, n, mean_speed_ms)
            SELECT $1, * FROM unnest($2::text[], $3::smallint[], $4::integer[], $5::real[])`,
      params: [tenantId, r.map((x) => x.cell), r.map((x) => x.hourOfWeek), r.map((x) => Math.round(x.n)), r.map((x) => x.meanSpeedMs)],
    },
    {
      sql: `INSERT INTO speed_profile_detours (tenant_id, path_m, chord_m) VALUES ($1, $2, $3)
            ON CONFLICT (tenant_id) DO UPDATE SET path_m = EXCLUDED.path_m, chord_m = EXCLUDED.chord_m`,
      params: [tenantId, record.detour.pathM, record.detour.chordM],
    },
  ]);
}
