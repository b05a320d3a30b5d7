// placeholder; the shell owner writes the Electron composition root
export {};
