import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { downlinkPrefix, parseDeviceUsername, parseUplinkTopic, validateUplink, type DeviceStatus, type GpsFix } from '@fieldtrace/protocol';

export interface WireMessage {
  kind: string;
  /** Fix seqs for `fix`/`fixes`, the record's seq otherwise. */
  seqs: number[];
  at: number;
}

/**
 * An in-process aedes broker with the embedded broker's device ACL (publish only `ft/{u}/up/+`, subscribe only
 * `ft/{u}/down/#`, where u is the username) that validates every device publish as ingest does, plus a platform
 * client (username `platform`, unrestricted) that pushes retained config. Test support only.
 */
export interface AclBroker {
  readonly url: string;
  readonly fixes: GpsFix[];
  readonly statuses: DeviceStatus[];
  readonly messages: WireMessage[];
  readonly invalid: string[];
  readonly refusedSubscriptions: string[];
  readonly deviceConnects: number;
  publishConfig(tenantId: string, deviceId: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

export async function startAclBroker(options: { listen?: (handler: (socket: Socket) => void) => Server } = {}): Promise<AclBroker> {
  const usernames = new WeakMap<Client, string>();
  const fixes: GpsFix[] = [];
  const statuses: AclBroker['statuses'] = [];
  const messages: WireMessage[] = [];
  const invalid: string[] = [];
  const refusedSubscriptions: string[] = [];
  let deviceConnects = 0;
  const aedes = await Aedes.createBroker({
    authenticate(client, username, _password, done) {
      usernames.set(client, username ?? '');
      if (username && username !== 'platform') deviceConnects++;
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      const user = client ? usernames.get(client) : 'platform';
      if (user === 'platform') return done(null);
      if (!user || !parseDeviceUsername(user) || !packet.topic.startsWith(`ft/${user}/up/`)) return done(new Error('not authorized'));
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const user = usernames.get(client);
      const identity = user && user !== 'platform' ? parseDeviceUsername(user) : null;
      if (user === 'platform' || (identity && sub.topic.startsWith(downlinkPrefix(identity.tenantId, identity.deviceId)))) return done(null, sub);
      refusedSubscriptions.push(sub.topic);
      done(null, null);
    },
  });
  aedes.on('publish', (packet, client) => {
    if (!client || usernames.get(client) === 'platform') return;
    const address = parseUplinkTopic(packet.topic);
    if (!address) return;
    const value = JSON.parse(packet.payload.toString()) as { seq?: number; fixes?: GpsFix[] };
    const checked = validateUplink(address.kind, value);
    if (!checked.ok) invalid.push(`${address.kind}: ${checked.detail}`);
    const now = Date.now();
    if (address.kind === 'fix') fixes.push(value as GpsFix);
    if (address.kind === 'fixes') fixes.push(...value.fixes!);
    if (address.kind === 'status') statuses.push(value as DeviceStatus);
    messages.push({ kind: address.kind, seqs: value.fixes ? value.fixes.map((f) => f.seq) : [value.seq!], at: now });
  });
  const sockets = new Set<Socket>();
  const handler = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  };
  const server = options.listen ? options.listen(handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const scheme = options.listen ? 'mqtts' : 'mqtt';
  const url = `${scheme}://127.0.0.1:${port}`;
  let platform: MqttClient | null = null;
  let plain: Server | null = null;
  // For a TLS broker the platform client uses a plain loopback listener of its own.
  const plainPort = async (): Promise<number> => {
    if (!options.listen) return port;
    if (!plain) {
      const listener = createServer(handler);
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
      plain = listener;
    }
    return (plain.address() as AddressInfo).port;
  };
  return {
    url,
    fixes,
    statuses,
    messages,
    invalid,
    refusedSubscriptions,
    get deviceConnects() {
      return deviceConnects;
    },
    async publishConfig(tenantId, deviceId, payload) {
      platform ??= await mqtt.connectAsync(`mqtt://127.0.0.1:${await plainPort()}`, { clientId: 'platform', username: 'platform', reconnectPeriod: 0 });
      await platform.publishAsync(`ft/${tenantId}/d/${deviceId}/down/config`, payload, { qos: 1, retain: true });
    },
    async close() {
      await platform?.endAsync(true);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const listener = plain as Server | null;
      if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
