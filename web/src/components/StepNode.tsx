import { Handle, type NodeProps, Position } from "@xyflow/react";
import { memo } from "react";
import { useTranslation } from "react-i18next";
import type { StepNode as StepNodeType } from "../flow/graph";
import { firstWords } from "../flow/schema";
import { useStore } from "../store";
import { exitLabel, stepTitle } from "../words";
import { ExitHandle } from "./ExitHandle";
import { StepIcon } from "./StepIcon";

const DEFAULT_LANGUAGES = ["en-US"];

/** A step on the canvas: its type and name, what the caller hears first, problem badges, and one
 * labelled handle per exit (an open exit is hollow; one the linter is unhappy about is red). */
export const StepNode = memo(function StepNode({ data, selected }: NodeProps<StepNodeType>) {
  const { t } = useTranslation();
  const languages = useStore((s) => s.doc?.languages ?? DEFAULT_LANGUAGES);
  const { id, step, exits, errors, warnings, flagged, mark } = data;
  const colour = typeof step.ui?.color === "string" ? `colour-${step.ui.color}` : "";
  const words = firstWords(step, languages);
  const classes = [
    "step",
    colour,
    selected ? "selected" : "",
    errors.length ? "has-error" : "",
    mark ? `mark-${mark}` : "",
  ];
  const problems = [...errors, ...warnings].map((d) => `${d.code} ${d.message}`).join("\n");
  return (
    // biome-ignore lint/a11y/useSemanticElements: a step on the canvas is a group of its handles, not a form's fieldset
    <div
      className={classes.join(" ")}
      data-step={id}
      role="group"
      aria-label={t("canvas.stepLabel", { id, type: stepTitle(t, step.type) })}
    >
      <Handle type="target" position={Position.Left} id="in" />
      <div className="step-head">
        <StepIcon type={step.type} />
        <span className="name" title={id}>
          {step.title || id}
        </span>
        <span className="badges" title={problems}>
          {data.start && <span className="badge start">{t("canvas.start")}</span>}
          {errors.length > 0 && (
            <span className="badge error">
              <span aria-hidden="true">{errors.length}</span>
              <span className="sr-only">{t("canvas.errors", { count: errors.length })}</span>
            </span>
          )}
          {warnings.length > 0 && (
            <span className="badge warning">
              <span aria-hidden="true">{warnings.length}</span>
              <span className="sr-only">{t("canvas.warnings", { count: warnings.length })}</span>
            </span>
          )}
        </span>
      </div>
      <div className="step-body">
        <span className="step-type">{stepTitle(t, step.type)}</span>
        {step.title ? <span> · {id}</span> : null}
        {words && <div className="words">{words}</div>}
      </div>
      {exits.length > 0 && (
        <div className="step-exits">
          {exits.map((exit) => {
            const state = flagged.includes(exit.handle) ? "flagged" : exit.target ? "" : "open";
            const label = exit.index === undefined ? exitLabel(t, exit.field) : exit.label;
            return (
              <ExitHandle
                key={exit.handle}
                step={id}
                handle={exit.handle}
                label={label}
                target={exit.target}
                state={state}
              />
            );
          })}
        </div>
      )}
    </div>
  );
});
