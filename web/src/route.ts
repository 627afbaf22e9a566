/** Where the designer is: `/` the flow list, `/flows/ID` the editor of a flow, `/deploys` the
 * deploy log, `/studio` the recording studio (`?prompt=ID&language=LANG`: one prompt open). The
 * browser's history keeps it, so back and reload work. */
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "flows" }
  | { page: "editor"; flow: string }
  | { page: "deploys" }
  | { page: "studio"; prompt?: string; language?: string };

export function parse(pathname: string, search = ""): Route {
  const flow = /^\/flows\/([^/]+)\/?$/.exec(pathname);
  if (flow?.[1]) return { page: "editor", flow: decodeURIComponent(flow[1]) };
  const page = pathname.replace(/\/$/, "");
  if (page === "/deploys") return { page: "deploys" };
  if (page === "/studio") {
    const query = new URLSearchParams(search);
    const route: Route = { page: "studio" };
    const prompt = query.get("prompt");
    const language = query.get("language");
    if (prompt) route.prompt = prompt;
    if (language) route.language = language;
    return route;
  }
  return { page: "flows" };
}

export function href(route: Route): string {
  if (route.page === "editor") return `/flows/${encodeURIComponent(route.flow)}`;
  if (route.page === "deploys") return "/deploys";
  if (route.page === "studio") {
    const query = new URLSearchParams();
    if (route.prompt) query.set("prompt", route.prompt);
    if (route.language) query.set("language", route.language);
    const text = query.toString().replaceAll("%2F", "/");
    return text ? `/studio?${text}` : "/studio";
  }
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

/** Where the designer is, said again without a new history entry: a page that sends the user
 * elsewhere (a role that may not read flows lands on the studio), or what the studio has open. */
export function replace(route: Route, notify = true): void {
  window.history.replaceState(null, "", href(route));
  if (notify) for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function where(): string {
  return window.location.pathname + window.location.search;
}

export function useRoute(): Route {
  const at = useSyncExternalStore(subscribe, where);
  const query = at.indexOf("?");
  return query < 0 ? parse(at) : parse(at.slice(0, query), at.slice(query));
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
