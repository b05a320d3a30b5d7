import { describe, expect, it } from 'vitest';
import { csvCell, csvToString, formatNumber, historyCsv, sessionsCsv, UTF8_BOM } from '../../../src/main/export/csv.ts';
import { session } from './fixtures.ts';
import type { HistoryRow } from '../../../src/shared/types.ts';

const HEADER = 'core,collector,id,reference,local,remote,extra,created_at,rx_bytes,tx_bytes,rx_kbit_s,tx_kbit_s\r\n';

describe('csv cells', () => {
  it('quotes only when needed and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell('')).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(' spaced ')).toBe(' spaced ');
  });
  it('guards every formula prefix of text cells, not numbers', () => {
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('+1')).toBe(`"'+1"`);
    expect(csvCell('-1')).toBe(`"'-1"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('\tx')).toBe(`"'\tx"`);
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(-5)).toBe('-5');
  });
  it('guards formula starts after a field separator too (a spreadsheet splitting on ; or tab)', () => {
    expect(csvCell('a;=cmd|"/c calc"!A1')).toBe(`"a;'=cmd|""/c calc""!A1"`);
    expect(csvCell('x,=1+1')).toBe(`"x,'=1+1"`);
    expect(csvCell('x\t@SUM(A1)')).toBe(`"x\t'@SUM(A1)"`);
    expect(csvCell('=a;+b')).toBe(`"'=a;'+b"`);
    expect(csvCell('a|-2+3')).toBe(`"a|'-2+3"`);
    expect(csvCell('a; b=c')).toBe('a; b=c');
  });
  it('formats numbers plainly', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(123456789012)).toBe('123456789012');
    expect(formatNumber(7.8125)).toBe('7.813');
    expect(formatNumber(1.5)).toBe('1.5');
    expect(formatNumber(1e-9)).toBe('0');
    expect(formatNumber(2 ** 53)).toBe('9007199254740992');
    expect(formatNumber(Number.NaN)).toBe('');
  });
});

describe('sessions CSV, byte-exact', () => {
  const rows = [
    session({ id: 'a1', peer: 'www.example.com', extra: '[203.0.113.0] Mozilla/5.0 (X11; Linux x86_64)', txBytes: 1048576, txBitsPerSec: 8000 }),
    session({ id: 'quote"d', reference: 'one,two', peer: 'line1\r\nline2', extra: 'Ünïcødé 日本語 🎥' }),
    session({ collector: 'rtmp', id: '=cmd|" /C calc"!A0', reference: '+SUM(1)', location: '-2+3', peer: '@evil', extra: '\tTAB', rxBytes: 5, rxBitsPerSec: 1536.5 }),
    session({ core: 'b', collector: 'srt', id: '\rCR', createdAtMs: 0 }),
  ];
  const expected =
    UTF8_BOM +
    HEADER +
    'local,hls,a1,ref,/memfs/ref.m3u8,www.example.com,[203.0.113.0] Mozilla/5.0 (X11; Linux x86_64),2026-01-02T03:04:05.678Z,0,1048576,0,7.813\r\n' +
    'local,hls,"quote""d","one,two",/memfs/ref.m3u8,"line1\r\nline2",Ünïcødé 日本語 🎥,2026-01-02T03:04:05.678Z,0,0,0,0\r\n' +
    `local,rtmp,"'=cmd|"" /C calc""!A0","'+SUM(1)","'-2+3","'@evil","'\tTAB",2026-01-02T03:04:05.678Z,5,0,1.5,0\r\n` +
    `b,srt,"'\rCR",ref,/memfs/ref.m3u8,unknown,,1970-01-01T00:00:00.000Z,0,0,0,0\r\n`;

  it('matches the expected bytes', async () => {
    const out = await csvToString(sessionsCsv(rows));
    expect(out).toBe(expected);
    const bytes = Buffer.from(out, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.includes(Buffer.from('日本語', 'utf8'))).toBe(true);
  });
  it('omits the BOM on request', async () => {
    expect(await csvToString(sessionsCsv(rows, {}, { bom: false }))).toBe(expected.slice(1));
  });
  it('applies the table filters', async () => {
    const only = async (f: Parameters<typeof sessionsCsv>[1]): Promise<number> => {
      let written = -1;
      await csvToString(sessionsCsv(rows, f, { onProgress: (n) => (written = n) }));
      return written;
    };
    expect(await only({ collectors: ['rtmp', 'srt'] })).toBe(2);
    expect(await only({ core: ['b'] })).toBe(1);
    expect(await only({ text: 'MOZILLA' })).toBe(1);
    expect(await only({ text: '日本' })).toBe(1);
    expect(await only({ collectors: [], core: [], text: '  ' })).toBe(4);
  });
});

describe('history CSV', () => {
  it('writes one record per group row', async () => {
    const rows: HistoryRow[] = [
      { core: 'local', collector: 'hls', group: 'remote', key: 'www.example.com', sessions: 3, rxBytes: 0, txBytes: 3145727 },
      { core: 'local', collector: 'rtmp', group: 'local', key: 'publish:/live/x.stream', sessions: 1, rxBytes: 10, txBytes: 0 },
      { core: 'local', collector: 'http', group: 'reference', key: '', sessions: 9, rxBytes: 1, txBytes: 2 },
      { core: 'local', collector: 'hls', group: 'remote', key: '=1+2', sessions: 1, rxBytes: 0, txBytes: 0 },
      // The app's own processes' sessions (the local core's marks): a process's own row, a row with some of them.
      { core: 'local', collector: 'hlsingress', group: 'remote', key: 'unknown', sessions: 2, rxBytes: 70, txBytes: 0, processSessions: 2, process: 'relay', processRxBytes: 70, processTxBytes: 0 },
      { core: 'local', collector: 'rtmp', group: 'reference', key: 'cam', sessions: 3, rxBytes: 0, txBytes: 9, processSessions: 1 },
      // A process id is the API's text: guarded as any text.
      { core: 'local', collector: 'rtmp', group: 'remote', key: '127.0.0.1:5000', sessions: 1, rxBytes: 0, txBytes: 9, processSessions: 1, process: '=cmd' },
    ];
    expect(await csvToString(historyCsv(rows))).toBe(
      UTF8_BOM +
        'core,collector,group,key,sessions,rx_bytes,tx_bytes,process_sessions,process,process_rx_bytes,process_tx_bytes\r\n' +
        'local,hls,remote,www.example.com,3,0,3145727,0,,0,0\r\n' +
        'local,rtmp,local,publish:/live/x.stream,1,10,0,0,,0,0\r\n' +
        'local,http,reference,,9,1,2,0,,0,0\r\n' +
        `local,hls,remote,"'=1+2",1,0,0,0,,0,0\r\n` +
        'local,hlsingress,remote,unknown,2,70,0,2,relay,70,0\r\n' +
        'local,rtmp,reference,cam,3,0,9,1,,0,0\r\n' +
        `local,rtmp,remote,127.0.0.1:5000,1,0,9,1,"'=cmd",0,0\r\n`,
    );
  });
});
