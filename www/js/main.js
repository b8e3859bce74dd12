// Starts the page: loads the engine, builds the tabs from panels/index.js and mounts each panel
// the first time it is shown. The selected tab is part of the page state (and so of the URL).

import { useEngineLimits } from "./config.js";
import { attempt, loadEngine } from "./engine.js";
import { PANELS } from "./panels/index.js";
import { problemsText, PROPS, State } from "./state.js";
import { createTabs } from "./widgets/tabs.js";

async function main() {
  const loading = document.getElementById("loading");
  const engine = await loadEngine().catch((e) => {
    loading.className = "message error";
    loading.textContent =
      `The engine (www/pkg/) did not load: ${e.message}. Build it and serve the page with ./scripts/serve.sh.`;
    return null;
  });
  if (!engine) return;
  loading.remove();

  useEngineLimits(engine.limits());
  // The tab is one of the panels: a link naming another is said, like any value out of range.
  const state = new State(PROPS.map((p) => (p.name === "tab" ? { ...p, type: "enum", values: PANELS.map((q) => q.id) } : p)));
  // Values of a link the page had to replace are said, not changed silently.
  const linkNotice = document.getElementById("link-notice");
  const showLinkProblems = () => {
    linkNotice.textContent = problemsText(state.problems);
    linkNotice.hidden = state.problems.length === 0;
  };
  showLinkProblems();
  window.addEventListener("hashchange", () => {
    state.readUrl();
    showLinkProblems();
  });
  const root = document.getElementById("panels");
  const mounted = new Map();

  const sections = new Map(
    PANELS.map((p) => {
      const s = document.createElement("section");
      s.id = `panel-${p.id}`;
      s.className = "panel";
      s.setAttribute("role", "tabpanel");
      s.hidden = true;
      s.setAttribute("aria-labelledby", `tab-${p.id}`);
      root.append(s);
      return [p.id, s];
    }),
  );

  let current = null;
  async function show(id) {
    const panel = PANELS.find((p) => p.id === id) ?? PANELS[0];
    if (current === panel.id) return;
    if (current) {
      sections.get(current).hidden = true;
      mounted.get(current)?.hide?.();
    }
    current = panel.id;
    selectTab(panel.id);
    state.set("tab", panel.id);
    const section = sections.get(panel.id);
    section.hidden = false;
    if (!mounted.has(panel.id)) {
      mounted.set(panel.id, null);
      const module = await panel.load();
      const hooks = attempt(() => module.mount(section, { engine, state }));
      if (hooks.error) {
        section.textContent = `This panel failed to start: ${hooks.error}`;
        throw new Error(hooks.error);
      }
      mounted.set(panel.id, hooks.value ?? {});
    }
    if (current === panel.id) mounted.get(panel.id)?.show?.();
    document.body.dataset.panel = panel.id;
  }

  const selectTab = createTabs(document.getElementById("tabs"), PANELS, show);
  state.subscribe((changed) => {
    if (changed.includes("tab")) show(state.get("tab"));
  });
  await show(state.get("tab"));
  document.body.dataset.ready = "true";
}

main();
