// Loaded into the headless server by the memory bench only (`node --import bench/heap-probe.mjs …`): on SIGUSR2 it
// writes V8's heap statistics by space and `process.memoryUsage()` as JSON to the file named by `HEAP_PROBE_FILE`,
// so the bench can split the server's RSS while it runs. Nothing ships with it: the server itself has no route or
// signal for this. Plain JavaScript: a TypeScript file here would start Node's type stripper in the server (20-35 MB
// of its own), which the shipped server never runs. The JSON's shape is `HeapProbe` in memory.bench.ts.
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const file = process.env.HEAP_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    const h = getHeapStatistics();
    const probe = {
      memoryUsage: process.memoryUsage(),
      heap: { totalPhysical: h.total_physical_size, totalCommitted: h.total_heap_size, used: h.used_heap_size, malloced: h.malloced_memory, externalMemory: h.external_memory },
      spaces: getHeapSpaceStatistics().map((s) => ({ name: s.space_name, committed: s.space_size, physical: s.physical_space_size, used: s.space_used_size })),
    };
    writeFileSync(file, JSON.stringify(probe));
  });
}
