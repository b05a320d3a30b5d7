/** The entry for the packing test's run: imports the packed main bundle (SMOKE_MAIN_URL, a file URL inside app.asar). */
const url = process.env.SMOKE_MAIN_URL;
if (!url) throw new Error('SMOKE_MAIN_URL is not set');
await import(url);
