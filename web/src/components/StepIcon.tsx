import { memo } from "react";

/** One small picture per step type, drawn in SVG (no icon font to load, no emoji font needed). */
const SHAPES: Record<string, React.ReactNode> = {
  play: <path d="M5 3l10 6-10 6z" />,
  menu: (
    <>
      <rect x="2" y="3" width="14" height="2.4" rx="1" />
      <rect x="2" y="7.8" width="14" height="2.4" rx="1" />
      <rect x="2" y="12.6" width="14" height="2.4" rx="1" />
    </>
  ),
  collect: (
    <>
      <circle cx="4.5" cy="4.5" r="1.8" />
      <circle cx="9" cy="4.5" r="1.8" />
      <circle cx="13.5" cy="4.5" r="1.8" />
      <circle cx="4.5" cy="9" r="1.8" />
      <circle cx="9" cy="9" r="1.8" />
      <circle cx="13.5" cy="9" r="1.8" />
      <circle cx="9" cy="13.5" r="1.8" />
    </>
  ),
  branch: <path d="M3 9h5l4-5h3v2h-2l-4 5 4 5h2v2h-3l-4-5H3z" />,
  set: <path d="M3 5h12v2.5H3zM3 10.5h12V13H3z" />,
  http: (
    <>
      <circle cx="9" cy="9" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path
        d="M2.5 9h13M9 2.5c-3 3.5-3 9.5 0 13M9 2.5c3 3.5 3 9.5 0 13"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
      />
    </>
  ),
  schedule: (
    <>
      <circle cx="9" cy="9" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <path d="M8.2 4.5h1.6v4.2l3 1.8-.8 1.4-3.8-2.3z" />
    </>
  ),
  language: (
    <path d="M2 3h8v2H7.3c-.4 2.2-1.3 4-2.6 5.4l1.6 1.5-1 1.5-1.8-1.7L2 13.2 1 11.6l2.4-1.4C2.6 9 2.1 7.6 1.9 6h2c.2 1 .5 1.9 1 2.6.7-.9 1.2-2.1 1.4-3.6H2zm9.5 3h2l3.5 10h-2l-.8-2.4h-3.4L10 16H8zm-.1 5.8h2.2L12.5 8.6z" />
  ),
  transfer: (
    <path d="M4.5 2.5c.9 0 1.7 2.4 2 3.6.2.9-1.3 1.6-1.3 2.3.4 1.6 2.6 3.8 4.2 4.2.7 0 1.4-1.5 2.3-1.3 1.2.3 3.6 1.1 3.6 2 0 1.4-1.6 2.4-3 2.2C7.4 15 3 10.6 2.5 5.5 2.3 4.1 3.1 2.5 4.5 2.5z" />
  ),
  record: <circle cx="9" cy="9" r="5.5" />,
  sms: <path d="M2 3h14v9H7l-4 3.5V12H2z" />,
  subflow: (
    <>
      <rect
        x="1.5"
        y="2.5"
        width="9"
        height="7"
        rx="1.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
      />
      <rect x="7.5" y="8.5" width="9" height="7" rx="1.5" />
    </>
  ),
  hangup: (
    <path d="M1.5 10.5C4 8 7 7 9 7s5 1 7.5 3.5c.6.6.5 1.6-.2 2.1l-1.8 1.2c-.6.4-1.4.3-1.8-.3l-1-1.6c-.3-.4-.2-1 .1-1.4-2-.8-3.6-.8-5.6 0 .3.4.4 1 .1 1.4l-1 1.6c-.4.6-1.2.7-1.8.3l-1.8-1.2c-.7-.5-.8-1.5-.2-2.1z" />
  ),
};

export const StepIcon = memo(function StepIcon({ type }: { type: string }) {
  return (
    <svg
      className={`icon icon-${type}`}
      width="18"
      height="18"
      viewBox="0 0 18 18"
      fill="currentColor"
      aria-hidden="true"
    >
      {SHAPES[type] ?? <circle cx="9" cy="9" r="6" />}
    </svg>
  );
});
