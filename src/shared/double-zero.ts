/**
 * The starting value of an object's number field that takes fractions (rates, byte sums) and is written every second
 * for thousands of rows: -0, a double, not the small integer 0. V8 boxes each fraction stored into a field that
 * started as a small integer (a new heap number per store); a field that starts as a double is written in place.
 * With 10 000 sessions the Prometheus series left about 0.6 MB less garbage per update with it, measured
 * (docs/decisions.md, serverpush, stop 31). -0 adds like 0 and prints as 0 in String, JSON and toFixed, but not in
 * Intl.NumberFormat ("-0") and survives a structured clone: only for fields that no page and no formatter reads
 * before a first write or a reset to 0.
 */
export const DOUBLE_ZERO = -0;
