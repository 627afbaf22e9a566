import { follow, href, type Route } from "../route";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { UserMenu } from "./UserMenu";

/** The head of a page: its title, a link to the other page, who is logged in, the UI language. */
export function PageHeader({
  title,
  to,
  label,
  navLabel,
}: {
  title: string;
  to: Route;
  label: string;
  navLabel: string;
}) {
  return (
    <header className="page-head">
      <h1>{title}</h1>
      <nav aria-label={navLabel}>
        <a href={href(to)} onClick={(e) => follow(e, to)}>
          {label}
        </a>
      </nav>
      <span className="spacer" />
      <UserMenu />
      <LanguageSwitcher />
    </header>
  );
}
