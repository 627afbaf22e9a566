import { follow, href, type Route } from "../route";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { UserMenu } from "./UserMenu";

export interface PageLink {
  to: Route;
  label: string;
}

/** The head of a page: its title, links to the other pages the user may see, who is logged in,
 * the UI language. */
export function PageHeader({
  title,
  links,
  navLabel,
}: {
  title: string;
  links: PageLink[];
  navLabel: string;
}) {
  return (
    <header className="page-head">
      <h1>{title}</h1>
      {links.length > 0 && (
        <nav aria-label={navLabel} className="page-links">
          {links.map((link) => (
            <a key={href(link.to)} href={href(link.to)} onClick={(e) => follow(e, link.to)}>
              {link.label}
            </a>
          ))}
        </nav>
      )}
      <span className="spacer" />
      <UserMenu />
      <LanguageSwitcher />
    </header>
  );
}
