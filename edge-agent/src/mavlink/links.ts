import { createSocket, type Socket } from 'node:dgram';
import { defineError, explainListenError } from '@fieldtrace/service-kit';

export const MAVLINK_UDP_PORT = 14550;

export const MavlinkLinkFailed = defineError('FT_MAVLINK_LINK', 500, (link: string, why: string) => `MAVLink ${link} link failed: ${why}`);

/** An open byte link (UDP socket, serial port) feeding the source. */
export interface ByteLink {
  close(): Promise<void>;
}

export interface UdpLink extends ByteLink {
  /** The bound address, e.g. to learn the ephemeral port after binding port 0. */
  address(): { address: string; port: number };
}

/**
 * Listens for MAVLink datagrams the way a ground station does (`udpin`): the autopilot, SITL or a telemetry radio
 * bridge sends to us. Default port 14550 is what ArduPilot and PX4 stream to; bind address defaults to all
 * interfaces (a drone's companion computer or radio is usually on another host).
 */
export async function openUdpLink(port: number, bindAddress: string, onBytes: (bytes: Buffer) => void): Promise<UdpLink> {
  // A larger receive buffer absorbs the bursts a telemetry bridge sends after a radio dropout (the kernel caps it).
  const socket: Socket = createSocket({ type: bindAddress.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 1 << 20 });
  socket.on('message', (msg) => onBytes(msg));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(explainListenError(err, 'MAVLink UDP source', port, 'MAVLINK_UDP_PORT')));
    socket.bind(port, bindAddress, () => resolve());
  });
  return {
    address: () => socket.address(),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The part of serialport's `SerialPort` we use; tests pass serialport's `SerialPortMock`. */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  close(callback: (err: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
}
export type SerialPortConstructor = new (options: { path: string; baudRate: number; autoOpen: false }) => SerialPortLike;

/**
 * A telemetry radio or autopilot USB port. `serialport` is loaded only when a serial link is configured, so
 * hosts without its native binding can still replay and listen on UDP.
 */
export async function openSerialLink(
  path: string,
  baudRate: number,
  onBytes: (bytes: Buffer) => void,
  SerialPortClass?: SerialPortConstructor,
): Promise<ByteLink> {
  let Port = SerialPortClass;
  if (!Port) {
    try {
      Port = (await import('serialport')).SerialPort as unknown as SerialPortConstructor;
    } catch (err) {
      throw MavlinkLinkFailed(['serial', `the serialport package could not be loaded (${(err as Error).message})`], { cause: err });
    }
  }
  const port = new Port({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => (err ? reject(MavlinkLinkFailed(['serial', `${path}: ${err.message}`], { cause: err })) : resolve()));
  });
  port.on('data', (chunk: Buffer) => onBytes(chunk));
  return {
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
