import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The bare React Flow page of bench/designer.py, built from web/ into a folder of its choosing:
//   npx vite build --config bench/vite.config.ts --outDir FOLDER
// (a relative path is taken from web/bench). The benchmark writes graph.json next to it.
export default defineConfig({
  plugins: [react()],
  root: "bench",
  base: "./",
  logLevel: "warn",
  build: {
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: "bench/bare.html" },
  },
});
