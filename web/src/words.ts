/** Names of step types and exits as the user reads them: the schema's English words, or the
 * UI language's translation when there is one. */
import type { TFunction } from "i18next";
import { typeDescription, typeTitle } from "./flow/schema";

export function stepTitle(t: TFunction, type: string): string {
  return t(`steps.${type}.title`, { defaultValue: typeTitle(type) });
}

export function stepHelp(t: TFunction, type: string): string {
  return t(`steps.${type}.help`, { defaultValue: typeDescription(type) });
}

export function exitLabel(t: TFunction, field: string): string {
  return t(`exits.${field}`, { defaultValue: field.replaceAll("_", " ") });
}
