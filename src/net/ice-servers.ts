import { mintTurnCredentials } from '../auth/turn-credentials.js';

/** How calls connect and how long their parts may wait (CALL_*, ICE_*, TURN_*). */
export interface CallSettings {
  stunUrls: string[];
  /** TURN relays and the secret coturn shares with us (`use-auth-secret`); absent without TURN. */
  turn?: { urls: string[]; secret: string; ttlSeconds: number };
  /** `relay` forces media through TURN (hides the parties' addresses from each other). */
  iceTransportPolicy: 'all' | 'relay';
  /** A ring unanswered this long is a missed call. */
  ringSeconds: number;
  /** A side unheard of this long has left the call (a reload or a lost connection may rejoin before). */
  rejoinSeconds: number;
}

/**
 * The RTCPeerConnection configuration for one party of one call: STUN as configured, TURN with
 * a username and password minted for that party that expire (the secret never leaves us).
 */
export function iceConnectionFor(settings: CallSettings, who: string) {
  const iceServers: { urls: string[]; username?: string; credential?: string }[] = [];
  if (settings.stunUrls.length) iceServers.push({ urls: settings.stunUrls });
  if (settings.turn) {
    const { username, credential } = mintTurnCredentials(settings.turn.secret, who, settings.turn.ttlSeconds);
    iceServers.push({ urls: settings.turn.urls, username, credential });
  }
  return { iceServers, iceTransportPolicy: settings.iceTransportPolicy };
}
