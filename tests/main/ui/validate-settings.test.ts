import { describe, expect, it } from 'vitest';
import { parseSettingsPatch } from '../../../src/main/ui/validate.ts';

describe('a settings patch from the page', () => {
  it("takes the schema's settings as text or booleans, for the keys the view edits only", () => {
    expect(parseSettingsPatch({ values: { rtmp: '127.0.0.1:1940', timeseries: false } })).toEqual({ values: { rtmp: '127.0.0.1:1940', timeseries: false } });
    expect(() => parseSettingsPatch({ values: { dataDir: '/' } })).toThrow(/values\.dataDir is not a setting the view edits/);
    expect(() => parseSettingsPatch({ values: { rtmpWriteHoldMs: 50 } })).toThrow(/values\.rtmpWriteHoldMs must be a string/);
    expect(() => parseSettingsPatch({ values: ['rtmp'] })).toThrow(/values must be an object/);
    expect(() => parseSettingsPatch({ values: { ffmpeg: 'x'.repeat(5000) } })).toThrow(/too long/);
  });
});
