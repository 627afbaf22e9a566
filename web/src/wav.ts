/** The studio's trim, done in the browser: a recording's decoded samples mixed down to one
 * channel, cut between the two handles, and written as a 16-bit PCM WAV file, which the server
 * then converts to telephone audio (8 kHz, loudness-normalised). Pure: no Web Audio here, so it
 * runs in vitest; the component decodes with `AudioContext.decodeAudioData` and calls these. */

/** One channel: the average of every channel, sample by sample (a stereo take is not louder). */
export function mixDown(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first;
  const length = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i++) out[i] = (out[i] ?? 0) + (channel[i] ?? 0);
  }
  for (let i = 0; i < length; i++) out[i] = (out[i] ?? 0) / channels.length;
  return out;
}

/** The samples from `start` to `end` seconds (clamped to the recording; empty when the end is
 * not after the start). */
export function slice(
  samples: Float32Array,
  sampleRate: number,
  start: number,
  end: number,
): Float32Array {
  const from = clampIndex(Math.round(start * sampleRate), samples.length);
  const to = clampIndex(Math.round(end * sampleRate), samples.length);
  return to > from ? samples.subarray(from, to) : new Float32Array(0);
}

function clampIndex(index: number, length: number): number {
  if (!Number.isFinite(index)) return index > 0 ? length : 0;
  return Math.max(0, Math.min(length, index));
}

/** A float sample (full scale ±1.0) as a signed 16-bit one; beyond full scale it is clipped,
 * and what is not a number is silence. */
export function toInt16(sample: number): number {
  if (Number.isNaN(sample)) return 0;
  const s = Math.max(-1, Math.min(1, sample));
  return s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
}

const HEADER_BYTES = 44;

/** A mono 16-bit PCM WAV file (RIFF, little-endian) of `samples` at `sampleRate`. */
export function encodeWav(samples: Float32Array, sampleRate: number): ArrayBuffer {
  const rate = Math.round(sampleRate);
  const dataBytes = samples.length * 2;
  const buffer = new ArrayBuffer(HEADER_BYTES + dataBytes);
  const view = new DataView(buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true); // the fmt chunk's size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(HEADER_BYTES + i * 2, toInt16(samples[i] ?? 0), true);
  }
  return buffer;
}

/** What the studio uploads for a trimmed take: the channels mixed down, cut from `start` to
 * `end` seconds, as a WAV file. */
export function trimmedWav(
  channels: readonly Float32Array[],
  sampleRate: number,
  start: number,
  end: number,
): ArrayBuffer {
  return encodeWav(slice(mixDown(channels), sampleRate, start, end), sampleRate);
}
