import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset paths: the same build works under the API's /app/ and at the root of any server.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { port: 5173 },
  preview: { port: 4173 },
});
