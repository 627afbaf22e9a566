import { describe, expect, it } from "vitest";
import { encodeWav, mixDown, slice, toInt16, trimmedWav } from "./wav";

function header(buffer: ArrayBuffer) {
  const view = new DataView(buffer);
  const text = (offset: number, length: number) =>
    String.fromCharCode(...new Uint8Array(buffer, offset, length));
  return {
    riff: text(0, 4),
    riffSize: view.getUint32(4, true),
    wave: text(8, 4),
    fmt: text(12, 4),
    fmtSize: view.getUint32(16, true),
    format: view.getUint16(20, true),
    channels: view.getUint16(22, true),
    rate: view.getUint32(24, true),
    byteRate: view.getUint32(28, true),
    blockAlign: view.getUint16(32, true),
    bits: view.getUint16(34, true),
    data: text(36, 4),
    dataSize: view.getUint32(40, true),
  };
}

function samplesOf(buffer: ArrayBuffer): number[] {
  return [...new Int16Array(buffer.slice(44))];
}

describe("a recording cut between the trim handles", () => {
  it("keeps the samples from the start handle up to the end handle", () => {
    const rate = 10;
    const samples = Float32Array.from({ length: 30 }, (_, i) => i / 100);
    const cut = slice(samples, rate, 0.5, 2.0);
    expect(cut.length).toBe(15);
    expect(cut[0]).toBeCloseTo(0.05);
    expect(cut[14]).toBeCloseTo(0.19);
  });

  it("is clamped to the recording, and empty when the handles cross", () => {
    const samples = new Float32Array(8).fill(0.5);
    expect(slice(samples, 4, -1, 99).length).toBe(8);
    expect(slice(samples, 4, 1.5, 1.0).length).toBe(0);
    expect(slice(samples, 4, 0, Number.POSITIVE_INFINITY).length).toBe(8);
  });

  it("mixes a stereo take down to one channel, no louder than either", () => {
    const left = Float32Array.from([1, 0.5, -1]);
    const right = Float32Array.from([0, 0.5, 1, 0.25]);
    expect([...mixDown([left, right])]).toEqual([0.5, 0.5, 0]);
    expect(mixDown([left])).toBe(left);
    expect(mixDown([]).length).toBe(0);
  });
});

describe("the WAV file the studio uploads", () => {
  it("is mono 16-bit PCM at the recording's rate, its sizes right", () => {
    const wav = encodeWav(new Float32Array(480), 48_000);
    expect(wav.byteLength).toBe(44 + 960);
    expect(header(wav)).toEqual({
      riff: "RIFF",
      riffSize: 36 + 960,
      wave: "WAVE",
      fmt: "fmt ",
      fmtSize: 16,
      format: 1,
      channels: 1,
      rate: 48_000,
      byteRate: 96_000,
      blockAlign: 2,
      bits: 16,
      data: "data",
      dataSize: 960,
    });
  });

  it("holds the samples at full scale, clipped beyond it, silence for what is not a number", () => {
    const wav = encodeWav(Float32Array.from([0, 1, -1, 0.5, -0.5, 2, -3, Number.NaN]), 8000);
    expect(samplesOf(wav)).toEqual([0, 32767, -32768, 16384, -16384, 32767, -32768, 0]);
    expect(toInt16(0.25)).toBe(8192);
  });

  it("of a trimmed stereo recording has only the kept part, mixed down", () => {
    const rate = 100;
    const left = Float32Array.from({ length: 300 }, (_, i) => (i >= 100 && i < 200 ? 0.5 : 0));
    const right = Float32Array.from(left);
    const wav = trimmedWav([left, right], rate, 1, 2);
    expect(header(wav).dataSize).toBe(200);
    expect(new Set(samplesOf(wav))).toEqual(new Set([toInt16(0.5)]));
  });

  it("of an empty cut is a valid file with no samples", () => {
    const wav = trimmedWav([new Float32Array(10)], 8000, 1, 0.5);
    expect(header(wav).dataSize).toBe(0);
    expect(wav.byteLength).toBe(44);
  });
});
