/**
 * `GET /api/v3/rtmp` and `GET /api/v3/srt` as Core lists its live channels (`http/handler/api/rtmp.go`, `srt.go`;
 * shapes `api.RTMPChannel` and `api.SRTChannels` in `http/api/`), mounted behind the API's auth.
 * - rtmp: `[{"name": "/live/cam.stream"}]`, the publish paths, sorted.
 * - srt: `{"publisher": {resource: socket id}, "subscriber": {resource: [socket ids]}, "connections": {socket id:
 *   {"log": {}, "stats": SRTStatistics}}, "log": {}}`. The statistics carry every field of Core's struct in its order;
 *   those this server does not track (key material, buffers, bandwidth estimates, …) are 0, and the logs are empty.
 *   Bytes include the IP, UDP and SRT headers, as gosrt counts them.
 * Either answers `[]` / empty maps when its server is off.
 */
import { stringifyGo, type JsonValue } from '../engine/go-json.ts';
import type { RtmpServer } from './rtmp/server.ts';
import type { SrtChannelConnection, SrtServer } from './srt/server.ts';

export function rtmpChannelsJson(rtmp: RtmpServer | null): string {
  const names = rtmp ? [...rtmp.streams()].sort() : [];
  return stringifyGo(names.map((name) => ({ name })));
}

/** Core's SRTStatistics in field order, from what a connection tracks. */
function statistics(c: SrtChannelConnection): JsonValue {
  const s = c.stats;
  return {
    timestamp_ms: c.ageMs,
    sent_pkt: s.pktSent,
    recv_pkt: s.pktRecv,
    sent_unique_pkt: s.pktSent - s.pktRetrans,
    recv_unique_pkt: s.pktRecv - s.pktRcvRetrans,
    send_loss_pkt: s.pktSndLoss,
    recv_loss_pkt: s.pktRcvLoss,
    sent_retrans_pkt: s.pktRetrans,
    recv_retran_pkts: s.pktRcvRetrans,
    sent_ack_pkt: s.pktSentACK,
    recv_ack_pkt: s.pktRecvACK,
    sent_nak_pkt: s.pktSentNAK,
    recv_nak_pkt: s.pktRecvNAK,
    send_km_pkt: 0,
    recv_km_pkt: 0,
    send_duration_us: 0,
    send_drop_pkt: 0,
    recv_drop_pkt: 0,
    recv_undecrypt_pkt: 0,
    sent_bytes: c.txBytes,
    recv_bytes: c.rxBytes,
    sent_unique__bytes: c.txBytes - s.byteRetrans,
    recv_unique_bytes: c.rxBytes,
    recv_loss__bytes: 0,
    sent_retrans_bytes: s.byteRetrans,
    send_drop_bytes: 0,
    recv_drop_bytes: 0,
    recv_undecrypt_bytes: 0,
    pkt_send_period_us: 0,
    flow_window_pkt: 0,
    flight_size_pkt: 0,
    rtt_ms: c.rttMs,
    bandwidth_mbit: 0,
    avail_send_buf_bytes: 0,
    avail_recv_buf_bytes: 0,
    max_bandwidth_mbit: 0,
    mss_bytes: 1500,
    send_buf_pkt: 0,
    send_buf_bytes: 0,
    send_buf_ms: 0,
    send_tsbpd_delay_ms: 0,
    recv_buf_pkt: 0,
    recv_buf_bytes: 0,
    recv_buf_ms: 0,
    recv_tsbpd_delay_ms: 0,
    reorder_tolerance_pkt: 0,
    pkt_recv_avg_belated_time_ms: 0,
  };
}

export function srtChannelsJson(srt: SrtServer | null): string {
  const ch = srt?.channels();
  const connections = new Map<string, JsonValue>();
  for (const c of ch?.connections ?? []) connections.set(String(c.socketId), { log: new Map(), stats: statistics(c) });
  return stringifyGo({
    publisher: new Map([...(ch?.publisher ?? [])]),
    subscriber: new Map([...(ch?.subscriber ?? [])]),
    connections,
    log: new Map(),
  });
}
