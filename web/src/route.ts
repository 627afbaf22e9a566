/** Where the designer is: `/` the flow list, `/flows/ID` the editor of a flow, `/deploys` the
 * deploy log. The browser's history keeps it, so back and reload work. */
import { useSyncExternalStore } from "react";

export type Route = { page: "flows" } | { page: "editor"; flow: string } | { page: "deploys" };

export function parse(pathname: string): Route {
  const flow = /^\/flows\/([^/]+)\/?$/.exec(pathname);
  if (flow?.[1]) return { page: "editor", flow: decodeURIComponent(flow[1]) };
  if (pathname.replace(/\/$/, "") === "/deploys") return { page: "deploys" };
  return { page: "flows" };
}

export function href(route: Route): string {
  if (route.page === "editor") return `/flows/${encodeURIComponent(route.flow)}`;
  if (route.page === "deploys") return "/deploys";
  return "/";
}

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => {
  for (const listener of listeners) listener();
});

export function go(route: Route): void {
  window.history.pushState(null, "", href(route));
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(subscribe, () => window.location.pathname);
  return parse(pathname);
}

interface Click {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  preventDefault(): void;
}

/** A link that moves within the designer (a new tab, with Ctrl or the middle button, still works). */
export function follow(event: Click, route: Route): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  go(route);
}
