import { RelayError } from '../relay-error';
import type { Destination } from '../relay-options';
import { instant } from './instant';
import { relayFailure as error } from './relay-failure';
import type { Session, SessionHost } from './session';

/** Resolves the destination, dials the MX (with the egress chosen) and starts relaying. */
export async function startSession(session: Session, host: SessionHost): Promise<void> {
  let destination: Destination;
  try {
    destination = await host.options.resolveDestination(session.io.client);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    session.fail(
      error(
        'WARP_ERR_RELAY_DESTINATION',
        `no destination for the connection from ${session.io.clientEndpoint.address}: ${detail}`,
        [421, '4.3.0', '[warp] connection was not redirected; closing'],
        cause,
      ),
      'refused',
    );
    return;
  }
  session.destination = destination;
  const refused = host.checkDestination(destination);
  if (refused) return session.fail(refused, 'refused');
  try {
    const dialStarted = performance.now();
    const { socket, egress } = await host.connectMx(session, destination);
    session.connectedMs = performance.now();
    session.io.durations.connectMs = session.connectedMs - dialStarted;
    if (session.io.closing) {
      socket.destroy();
      return;
    }
    session.tracker.sent('', '');
    session.io.attachMx(socket);
    if (host.options.wants['session.opened']) {
      const now = instant();
      host.emit({
        type: 'session.opened',
        nodeId: host.options.nodeId,
        sessionId: session.id,
        at: now.at,
        monotonicMs: now.monotonicMs,
        client: session.io.clientEndpoint,
        destination: { address: destination.address, port: destination.port },
        egress: egress(),
      });
    }
    session.io.updateTimers();
  } catch (cause) {
    const failure = RelayError.isInstance(cause)
      ? (cause as RelayError)
      : error(
          'WARP_ERR_RELAY_CONNECT_FAILED',
          String(cause),
          [421, '4.4.1', '[warp] cannot reach the MX, try again later'],
          cause,
        );
    session.fail(failure, 'connect-failed');
  }
}
