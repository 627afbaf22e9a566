/** Speaks a test call's prompts aloud, one after the other: a prompt's recording when it has
 * one (`new Audio(url)`), else its text through the browser's speech synthesis in the prompt's
 * language. Whatever the browser lacks (no speech synthesis, no voices, autoplay refused) is
 * passed over in silence: speaking never throws and never holds the call up. */
import type { Prompt } from "./testcall";

/** The longest a prompt may take before the next one starts (a browser that never says it is
 * done, as headless ones do). */
const LONGEST_MS = 30_000;

/** How long reading `text` out may take at most: a browser without voices may never say that it
 * is done, and the next prompt should not wait for ever. */
function readingTime(text: string): number {
  return Math.min(LONGEST_MS, 2_000 + 120 * text.length);
}

interface Playing {
  stop(): void;
}

export class Speaker {
  private chain: Promise<void> = Promise.resolve();
  private round = 0;
  private playing: Playing | null = null;

  /** Speaks `prompts` after those queued before. */
  speak(prompts: readonly Prompt[]): void {
    const round = this.round;
    for (const prompt of prompts) {
      this.chain = this.chain.then(() => (round === this.round ? this.one(prompt) : undefined));
    }
  }

  /** Silence: what is being said stops, and what was queued is dropped. */
  stop(): void {
    this.round += 1;
    this.chain = Promise.resolve();
    const playing = this.playing;
    this.playing = null;
    try {
      playing?.stop();
    } catch {
      // already stopped
    }
    try {
      globalThis.speechSynthesis?.cancel();
    } catch {
      // nothing to cancel
    }
  }

  private one(prompt: Prompt): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      let read = false;
      let mine: Playing | null = null;
      const play = (handle: Playing) => {
        mine = handle;
        this.playing = handle;
      };
      let timer = setTimeout(() => finish(), LONGEST_MS);
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (this.playing === mine) this.playing = null;
        resolve();
      };
      const readOut = () => {
        if (done || read) return;
        read = true;
        clearTimeout(timer);
        timer = setTimeout(finish, readingTime(prompt.text));
        if (!this.utter(prompt, finish, play)) finish();
      };
      try {
        if (prompt.audioUrl && typeof globalThis.Audio === "function") {
          const audio = new Audio(prompt.audioUrl);
          play({
            stop: () => {
              audio.pause();
              finish();
            },
          });
          audio.onended = finish;
          // A recording that does not play is read out instead.
          audio.onerror = readOut;
          audio.play()?.catch(readOut);
        } else {
          readOut();
        }
      } catch {
        readOut();
      }
    });
  }

  /** Starts saying the prompt's text; false when this browser cannot. */
  private utter(prompt: Prompt, finish: () => void, play: (handle: Playing) => void): boolean {
    const synthesis = globalThis.speechSynthesis;
    const Utterance = globalThis.SpeechSynthesisUtterance;
    if (!synthesis || typeof Utterance !== "function") return false;
    try {
      const utterance = new Utterance(prompt.text);
      if (prompt.language) utterance.lang = prompt.language;
      utterance.onend = finish;
      utterance.onerror = finish;
      play({
        stop: () => {
          synthesis.cancel();
          finish();
        },
      });
      synthesis.speak(utterance);
      return true;
    } catch {
      return false;
    }
  }
}
