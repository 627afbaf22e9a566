/** The flow document as the server stores it (sce/schema/flow.schema.json), as far as the
 * designer reads it. Every other field is kept as it is and sent back untouched. */

export interface StepUi {
  x?: number;
  y?: number;
  color?: string;
  [field: string]: unknown;
}

export interface StepDoc {
  type: string;
  title?: string;
  ui?: StepUi;
  [field: string]: unknown;
}

export interface Note {
  id: string;
  x: number;
  y: number;
  text: string;
  color?: string;
}

export interface FlowUi {
  notes?: Note[];
  [field: string]: unknown;
}

export interface FlowDoc {
  flow: string;
  title?: string;
  languages?: string[];
  start?: string;
  on_error?: string;
  nodes?: Record<string, StepDoc>;
  ui?: FlowUi;
  [field: string]: unknown;
}

export interface Point {
  x: number;
  y: number;
}

/** The colours a step or a note may have (names, so that the file says what the picture shows). */
export const COLOURS = ["none", "yellow", "green", "blue", "purple", "red", "grey"] as const;
export type Colour = (typeof COLOURS)[number];
