import type { DeviceProfile } from './device-profile.js';

// Nominal intrinsics derived from the datasheet must agree with it this closely (fraction / pixels).
const NOMINAL_TOLERANCE = 0.01;
const PRINCIPAL_POINT_TOLERANCE_PX = 1;

function near(a: number, b: number, fraction: number): boolean {
  return Math.abs(a - b) <= Math.abs(b) * fraction;
}

/** Rules across fields that a JSON schema cannot express. Returns `path: message` strings, empty when all hold. */
export function profileRuleProblems(p: DeviceProfile): string[] {
  const problems: string[] = [];
  const add = (path: string, message: string) => problems.push(`${path}: ${message}`);

  if (p.deviceKind === 'truck' && !p.gps) add('/gps', 'a truck profile needs GPS settings');
  if (p.deviceKind === 'ground-station') {
    if (!p.camera) add('/camera', 'a ground-station profile needs a camera profile');
    if (!p.drone) add('/drone', 'a ground-station profile needs drone telemetry settings');
  }
  if (p.reconnect.minMs > p.reconnect.maxMs) add('/reconnect', `minMs ${p.reconnect.minMs} > maxMs ${p.reconnect.maxMs}`);

  const kinds = new Set(p.uplink.topicKinds);
  if (p.gps && !kinds.has('fix') && !kinds.has('drone')) add('/uplink/topicKinds', "GPS is configured but neither 'fix' nor 'drone' is sent");
  if ((p.sensors?.length ?? 0) > 0 && !kinds.has('sensor')) add('/uplink/topicKinds', "sensors are configured but 'sensor' is not sent");
  if (p.camera && !kinds.has('image')) add('/uplink/topicKinds', "a camera is configured but 'image' is not sent");

  const adaptive = p.gps?.adaptive;
  if (p.gps && adaptive && adaptive.maxIntervalS * 1000 < p.gps.fixIntervalMs) {
    add('/gps/adaptive/maxIntervalS', `${adaptive.maxIntervalS} s is shorter than the fix interval (${p.gps.fixIntervalMs} ms)`);
  }

  const seen = new Set<string>();
  p.sensors?.forEach((s, i) => {
    if (seen.has(s.name)) add(`/sensors/${i}/name`, `duplicate sensor name '${s.name}'`);
    seen.add(s.name);
    if ((s.kind === 'ignition' || s.kind === 'digital') && s.input.type === 'analog') {
      add(`/sensors/${i}/input`, `a ${s.kind} sensor needs a digital input (gpio or can), not analog`);
    }
    if (s.kind === 'spreader-rate' && s.input.type === 'gpio') add(`/sensors/${i}/input`, 'a spreader rate is a quantity, not an on/off line');
  });

  if (p.survey && p.survey.altitudeAglM[0] > p.survey.altitudeAglM[1]) add('/survey/altitudeAglM', 'lowest altitude is above the highest');

  const cam = p.camera;
  if (cam) {
    const { intrinsics: k, image } = cam;
    if (k.cx >= image.widthPx) add('/camera/intrinsics/cx', `principal point outside the image (width ${image.widthPx} px)`);
    if (k.cy >= image.heightPx) add('/camera/intrinsics/cy', `principal point outside the image (height ${image.heightPx} px)`);
    const pitchMm = cam.sensor.pixelPitchUm / 1000;
    if (!near(image.widthPx * pitchMm, cam.sensor.widthMm, 0.02)) add('/camera/sensor/widthMm', `does not match widthPx × pixel pitch (${(image.widthPx * pitchMm).toFixed(2)} mm)`);
    if (!near(image.heightPx * pitchMm, cam.sensor.heightMm, 0.02)) add('/camera/sensor/heightMm', `does not match heightPx × pixel pitch (${(image.heightPx * pitchMm).toFixed(2)} mm)`);
    if (!k.calibrated) {
      // Uncalibrated = nominal: f in pixels is the focal length over the pixel pitch, principal point at the centre.
      const nominalF = cam.focalLengthMm / pitchMm;
      if (!near(k.fx, nominalF, NOMINAL_TOLERANCE)) add('/camera/intrinsics/fx', `nominal fx should be focalLengthMm / pixel pitch ≈ ${nominalF.toFixed(1)} px`);
      if (!near(k.fy, nominalF, NOMINAL_TOLERANCE)) add('/camera/intrinsics/fy', `nominal fy should be focalLengthMm / pixel pitch ≈ ${nominalF.toFixed(1)} px`);
      if (Math.abs(k.cx - image.widthPx / 2) > PRINCIPAL_POINT_TOLERANCE_PX) add('/camera/intrinsics/cx', `nominal cx should be widthPx / 2 = ${image.widthPx / 2}`);
      if (Math.abs(k.cy - image.heightPx / 2) > PRINCIPAL_POINT_TOLERANCE_PX) add('/camera/intrinsics/cy', `nominal cy should be heightPx / 2 = ${image.heightPx / 2}`);
    }
  }
  return problems;
}
