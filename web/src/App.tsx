import { lazy, Suspense, useEffect } from "react";
import { Link, Route, Switch, useLocation } from "wouter";
import { useHealth } from "./api/hooks";
import { HelpOverlay } from "./components/HelpOverlay";
import { PlayerBar } from "./components/PlayerBar";
import { Loading } from "./components/States";
import { Toasts } from "./components/Toasts";
import { usePlayer } from "./store/player";
import { useUi } from "./store/ui";
import { LibraryView } from "./views/LibraryView";

// The library loads with the app; every other view is a chunk fetched when first opened (the
// sample page brings WaveSurfer), so the first load parses only what the library needs.
const SampleView = lazy(() => import("./views/SampleView").then((m) => ({ default: m.SampleView })));
const SearchView = lazy(() => import("./views/SearchView").then((m) => ({ default: m.SearchView })));
const StatsView = lazy(() => import("./views/StatsView").then((m) => ({ default: m.StatsView })));
const ScanView = lazy(() => import("./views/ScanView").then((m) => ({ default: m.ScanView })));
const UploadView = lazy(() => import("./views/UploadView").then((m) => ({ default: m.UploadView })));
const MapView = lazy(() => import("./views/MapView"));
const AiPanel = lazy(() => import("./views/AiPanel"));

const NAV = [
  { href: "/", label: "Library", key: "1" },
  { href: "/search", label: "Search", key: "2" },
  { href: "/map", label: "Sound map", key: "3" },
  { href: "/stats", label: "Stats", key: "4" },
  { href: "/scan", label: "Scan", key: "5" },
  { href: "/upload", label: "Upload", key: "6" },
];

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

export function App() {
  const [location, navigate] = useLocation();
  const health = useHealth();
  const aiEnabled = health.data?.capabilities?.includes("ai") ?? false;
  const setHelpOpen = useUi((s) => s.setHelpOpen);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
      if (isTyping(event.target)) return;
      const player = usePlayer.getState();
      if (event.key === "?") {
        setHelpOpen(!useUi.getState().helpOpen);
      } else if (event.key === "Escape") {
        setHelpOpen(false);
      } else if (event.key === "/") {
        navigate(location.startsWith("/search") ? location : "/search");
        setTimeout(() => document.querySelector<HTMLInputElement>("[data-testid=search-input]")?.focus(), 0);
      } else if (event.key === " " && !(event.target as HTMLElement)?.closest?.("button, a, [role=grid], [role=checkbox]")) {
        player.toggle();
      } else if (event.key === "l" || event.key === "L") {
        player.setLoop(!player.loop);
      } else if (event.altKey && event.key === "7" && aiEnabled) {
        navigate("/ai");
      } else if (event.altKey && NAV.some((n) => n.key === event.key)) {
        navigate(NAV.find((n) => n.key === event.key)?.href ?? "/");
      } else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [location, navigate, setHelpOpen, aiEnabled]);

  const active = (href: string) => (href === "/" ? location === "/" : location.startsWith(href));
  return (
    <div className="app">
      <a href="#main" className="skip">Skip to content</a>
      <nav className="sidebar" aria-label="Views">
        <div className="brand">
          <img src="/icon.svg" alt="" width={28} height={28} />
          <span>SampleMind</span>
        </div>
        <ul>
          {NAV.map((item) => (
            <li key={item.href}>
              <Link href={item.href} className={active(item.href) ? "active" : undefined} aria-current={active(item.href) ? "page" : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
          {aiEnabled && (
            <li>
              <Link href="/ai" className={active("/ai") ? "active" : undefined} aria-current={active("/ai") ? "page" : undefined}>
                AI
              </Link>
            </li>
          )}
        </ul>
        <button type="button" className="help-button" onClick={() => setHelpOpen(true)} aria-label="Keyboard shortcuts (?)">
          ? Shortcuts
        </button>
        {health.isError && <div className="offline" role="alert">Server unreachable</div>}
      </nav>
      <main id="main" className="main">
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/" component={LibraryView} />
            <Route path="/search" component={SearchView} />
            <Route path="/samples/:id">{(params) => <SampleView id={Number(params.id)} />}</Route>
            <Route path="/map" component={MapView} />
            <Route path="/stats" component={StatsView} />
            <Route path="/scan" component={ScanView} />
            <Route path="/upload" component={UploadView} />
            <Route path="/ai/:tab?">{(params) => (aiEnabled ? <AiPanel tab={params.tab} /> : health.isPending ? <Loading /> : <NotFound what="The AI panel is not configured on this server." />)}</Route>
            <Route>
              <NotFound what="There is no page here." />
            </Route>
          </Switch>
        </Suspense>
      </main>
      <PlayerBar />
      <HelpOverlay />
      <Toasts />
    </div>
  );
}

function NotFound({ what }: { what: string }) {
  return (
    <section className="view">
      <h1>Not found</h1>
      <p>{what}</p>
      <Link href="/">Back to the library</Link>
    </section>
  );
}
