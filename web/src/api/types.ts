/** The API's types, from its OpenAPI document (schema.ts is generated: `npm run api`). */
import type { components } from "./schema";

type Schemas = components["schemas"];
export type Diagnostic = Schemas["Diagnostic"];
export type FlowSummary = Schemas["FlowSummary"];
export type StoredFlow = Schemas["StoredFlow"];
export type RevisionInfo = Schemas["RevisionInfo"];
export type Revision = Schemas["Revision"];
export type FlowDiff = Schemas["FlowDiff"];
export type DeployRecord = Schemas["DeployRecord"];
export type Deploy = Schemas["Deploy"];
export type Me = Schemas["Me"];
export type Nobody = Schemas["Nobody"];
export type Role = Schemas["Role"];
export type Permission = Schemas["Permission"];
export type TestCall = Schemas["TestCall"];
export type TestEvent = Schemas["TestEvent"];
export type TestCallStart = Schemas["TestCallStart"];
export type Action = Schemas["Action"];
export type ErrorBody = Schemas["Error"];

// -- the flow list, the deploy log and DSL conversion (FlowList, DeploysPage, DeployDialog) ------

/** The version of a flow that calls get now, and the saved revision it was deployed from. */
export type LiveVersion = NonNullable<FlowSummary["live"]>;

/** A flow as the list shows it. */
export type FlowListEntry = FlowSummary;

/** POST /api/convert: DSL text → document, or document → DSL text. */
export type ConvertedDocument = {
  ok: true;
  document: Record<string, unknown>;
  diagnostics?: Diagnostic[];
};
export type ConvertedText = { ok: true; text: string; format?: "json" | "flow" };

/** What a deploy or a rollback answers (200). */
export type Deployed = Deploy & { ok: true; revision?: number; diagnostics: Diagnostic[] };

// -- the recording studio and the prompt fields (StudioPage, PromptField) ----------------------

export type PromptSummary = Schemas["PromptSummary"];
export type Prompt = Schemas["Prompt"];
export type PromptList = Schemas["PromptList"];
export type PromptLanguageState = Schemas["PromptLanguageState"];
export type PromptStatus = Schemas["PromptStatus"];
export type Take = Schemas["Take"];
export type TakeSource = Schemas["TakeSource"];
export type TakeAdded = Schemas["TakeAdded"];

// -- Twilio Studio import (StudioImportDialog) ---------------------------------------------------

export type StudioImportReport = Schemas["StudioImportReport"];
export type StudioImportNote = Schemas["StudioImportNote"];
/** What POST /api/import/twilio-studio answers: the flow, its report and lint findings. */
export type StudioImport = {
  ok: true;
  flow: string;
  document: Record<string, unknown>;
  report: StudioImportReport;
  diagnostics: Diagnostic[];
};
