/**
 * The restreaming profile's names (anonymous-profile.ts) against the machine's FFmpeg: every filter, source, decoder,
 * demuxer and muxer on the allow list exists there, and every encoder too unless it is an external library this build
 * was configured without (`--enable-libfdk-aac` and the like). The lists were made from FFmpeg 5.1; a rename in a
 * newer FFmpeg shows here instead of as a profile that refuses what it means to allow. Skipped without ffmpeg on PATH.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROFILE_NAMES } from '../../../src/main/processes/anonymous-profile.ts';

function ffmpeg(...args: string[]): string | null {
  try {
    return execFileSync('ffmpeg', ['-hide_banner', ...args], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return null;
  }
}

/** The names of a listing (`-filters`, `-encoders`, `-muxers`, ...): each row is FLAGS NAME[,NAME...] TEXT; the legend rows are `FLAGS = TEXT`. */
function listed(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const [flags, name] = line.trim().split(/\s+/);
    if (flags === undefined || name === undefined || name === '=' || !/^[A-Z.|]{1,6}$/.test(flags)) continue;
    for (const n of name.split(',')) names.add(n);
  }
  return names;
}

/** The configure switch an external-library encoder needs (`libvpx-vp9` → `--enable-libvpx`). */
const enableFlag = (encoder: string): string => `--enable-${encoder.replace(/-.*$/, '').replace(/rgb$/, '').replace('_', '-')}`;

const version = ffmpeg('-version');

describe.skipIf(version === null)('the restreaming profile against the installed FFmpeg', () => {
  it('every filter, source, decoder, demuxer and muxer is there; every encoder unless its library is not built in', () => {
    const filters = listed(ffmpeg('-filters') ?? '');
    const missing = (names: ReadonlySet<string>, have: Set<string>): string[] => [...names].filter((n) => !have.has(n));
    expect(filters.size).toBeGreaterThan(100);
    expect({ filters: missing(PROFILE_NAMES.filters, filters), sources: missing(PROFILE_NAMES.sources, filters) }).toEqual({ filters: [], sources: [] });
    expect({ decoders: missing(PROFILE_NAMES.decoders, listed(ffmpeg('-decoders') ?? '')) }).toEqual({ decoders: [] });
    expect({ demuxers: missing(PROFILE_NAMES.inFormats, listed(ffmpeg('-demuxers') ?? '')) }).toEqual({ demuxers: [] });
    expect({ muxers: missing(PROFILE_NAMES.outFormats, listed(ffmpeg('-muxers') ?? '')) }).toEqual({ muxers: [] });
    const encoders = listed(ffmpeg('-encoders') ?? '');
    const build = version ?? '';
    const absent = [...PROFILE_NAMES.encoders].filter((n) => n !== 'copy' && !encoders.has(n));
    // Only external libraries may be absent, and only when this build was configured without them.
    expect(absent.filter((n) => !n.startsWith('lib') || build.includes(enableFlag(n)))).toEqual([]);
  });
});
