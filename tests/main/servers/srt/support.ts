/** Shared pieces of the SRT server tests: ffmpeg arguments. */

/** ffmpeg publishing a 25 fps H.264 test pattern as MPEG-TS over SRT, in real time. */
export function ffmpegSrtPublishArgs(url: string, extra: string[] = []): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', ...extra,
    '-f', 'mpegts', url,
  ];
}
