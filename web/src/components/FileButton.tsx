import type { ChangeEvent, ReactNode } from "react";

/** A button that opens the file picker: its visible text, and the input a screen reader (and a
 * test) finds by `label`. */
export function FileButton({
  children,
  label,
  accept,
  disabled,
  describedBy,
  onChange,
}: {
  children: ReactNode;
  label: string;
  accept: string;
  disabled: boolean;
  describedBy?: string;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
}) {
  return (
    <label className={`file-button${disabled ? " disabled" : ""}`}>
      <span aria-hidden="true">{children}</span>
      <input
        type="file"
        accept={accept}
        aria-label={label}
        aria-describedby={describedBy}
        className="visually-hidden"
        disabled={disabled}
        onChange={onChange}
      />
    </label>
  );
}
