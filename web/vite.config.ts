import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The built designer goes into the Python package, which serves it at `/` (sce/api/designer.py).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../sce/designer",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/prompts": "http://127.0.0.1:8000" },
    fs: { allow: [".."] },
  },
  test: { include: ["src/**/*.test.ts"] },
});
