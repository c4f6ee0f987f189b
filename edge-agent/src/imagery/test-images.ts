import { deflateSync } from 'node:zlib';

/**
 * Hand-built test pictures. A JPEG with an EXIF GPS IFD (TIFF 6.0 §2, EXIF 2.3 §4.6.6; big-endian) and optionally
 * a DJI-style XMP packet. There is no image data: exifr reads only the APP1 segments, which is what is tested.
 */
export function jpegWithGps(opts: { lat: number; lon: number; date: string; time: [number, number, number]; xmp?: string }): Buffer {
  const rational = (v: number): [number, number] => [Math.round(v * 10_000), 10_000];
  const dms = (deg: number): [number, number][] => {
    const a = Math.abs(deg);
    const d = Math.floor(a);
    const m = Math.floor((a - d) * 60);
    return [[d, 1], [m, 1], rational(((a - d) * 60 - m) * 60)];
  };
  const ASCII = 2;
  const RATIONAL = 5;
  const tags: [number, number, Buffer | [number, number][]][] = [
    [1, ASCII, Buffer.from(opts.lat >= 0 ? 'N\0' : 'S\0')],
    [2, RATIONAL, dms(opts.lat)],
    [3, ASCII, Buffer.from(opts.lon >= 0 ? 'E\0' : 'W\0')],
    [4, RATIONAL, dms(opts.lon)],
    [7, RATIONAL, opts.time.map((v): [number, number] => [v, 1])],
    [29, ASCII, Buffer.from(`${opts.date}\0`)],
  ];
  // Header (8) + IFD0 with one entry, the GPS IFD pointer (2 + 12 + 4): the GPS IFD starts at 26.
  const gpsAt = 26;
  const ifd = Buffer.alloc(2 + tags.length * 12 + 4);
  ifd.writeUInt16BE(tags.length, 0);
  let dataAt = gpsAt + ifd.length;
  const data: Buffer[] = [];
  tags.forEach(([tag, type, value], i) => {
    const o = 2 + i * 12;
    const bytes = Buffer.isBuffer(value) ? value : Buffer.alloc(value.length * 8);
    if (!Buffer.isBuffer(value)) value.forEach(([n, d], k) => (bytes.writeUInt32BE(n, k * 8), bytes.writeUInt32BE(d, k * 8 + 4)));
    ifd.writeUInt16BE(tag, o);
    ifd.writeUInt16BE(type, o + 2);
    ifd.writeUInt32BE(value.length, o + 4);
    if (bytes.length <= 4) bytes.copy(ifd, o + 8);
    else (ifd.writeUInt32BE(dataAt, o + 8), data.push(bytes), (dataAt += bytes.length));
  });
  const head = Buffer.alloc(gpsAt);
  head.write('MM\0*', 0, 'latin1');
  head.writeUInt32BE(8, 4);
  head.writeUInt16BE(1, 8);
  head.writeUInt16BE(0x8825, 10); // GPSInfo IFD pointer, LONG
  head.writeUInt16BE(4, 12);
  head.writeUInt32BE(1, 14);
  head.writeUInt32BE(gpsAt, 18);
  const segment = (payload: Buffer) => {
    const h = Buffer.alloc(4);
    h.writeUInt16BE(0xffe1, 0);
    h.writeUInt16BE(payload.length + 2, 2);
    return Buffer.concat([h, payload]);
  };
  const parts = [Buffer.from([0xff, 0xd8]), segment(Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), head, ifd, ...data]))];
  if (opts.xmp) parts.push(segment(Buffer.from(`http://ns.adobe.com/xap/1.0/\0${opts.xmp}`, 'utf8')));
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

/** What a DJI drone writes into XMP (attribute form), angles in degrees, altitude in metres above take-off. */
export function djiXmp(p: { relAlt: number; gimbalPitch: number; gimbalYaw: number; flightYaw: number }): string {
  const f = (v: number) => (v >= 0 ? `+${v.toFixed(2)}` : v.toFixed(2));
  return '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" ' +
    `drone-dji:RelativeAltitude="${f(p.relAlt)}" drone-dji:GimbalPitchDegree="${f(p.gimbalPitch)}" ` +
    `drone-dji:GimbalYawDegree="${f(p.gimbalYaw)}" drone-dji:FlightYawDegree="${f(p.flightYaw)}"/></rdf:RDF></x:xmpmeta>`;
}

/** A valid grey PNG of the given size with `padding` random-ish bytes in a private chunk (to make it big). */
export function png(width: number, height: number, padding = 0): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(typed));
    return Buffer.concat([len, typed, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (grey), no interlace
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0;
  const pad = Buffer.alloc(padding);
  for (let i = 0; i < padding; i++) pad[i] = (i * 2654435761) >>> 24;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(padding > 0 ? [chunk('ftPd', pad)] : []),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
