import { describe, expect, it } from 'vitest';
import { ProgressParser, type FfmpegProgress } from '../../../src/main/processes/progress.ts';

/** A block as FFmpeg 5.1 prints it with `-progress pipe:1` (copied from a run of Debian's ffmpeg). */
const BLOCK = `frame=250
fps=25.00
stream_0_0_q=-1.0
bitrate= 310.5kbits/s
total_size=388096
out_time_us=10000000
out_time_ms=10000000
out_time=00:00:10.000000
dup_frames=1
drop_frames=2
speed=1.01x
progress=continue
`;

describe('ProgressParser', () => {
  it('reads a block split across chunks at any point', () => {
    for (let cut = 1; cut < BLOCK.length; cut += 7) {
      const seen: FfmpegProgress[] = [];
      const p = new ProgressParser((x) => seen.push(x));
      p.push(BLOCK.slice(0, cut));
      p.push(BLOCK.slice(cut));
      expect(seen).toEqual([{ frame: 250, fps: 25, q: 0, totalSizeBytes: 388096, timeSec: 10, bitrateKbitPerSec: 310.5, speed: 1.01, dropFrames: 2, dupFrames: 1, end: false }]);
    }
  });

  it('marks the last block and reads N/A as 0', () => {
    const seen: FfmpegProgress[] = [];
    const p = new ProgressParser((x) => seen.push(x));
    p.push('frame=0\ntotal_size=N/A\nbitrate=N/A\nspeed=N/A\nout_time_us=N/A\nprogress=end\n');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ frame: 0, totalSizeBytes: 0, bitrateKbitPerSec: 0, speed: 0, timeSec: 0, end: true });
  });
});
