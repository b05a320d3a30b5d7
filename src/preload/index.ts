// placeholder; the shell owner writes the real preload
export {};
