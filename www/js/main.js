// Starts the page: loads the engine, builds the tabs from panels/index.js and mounts each panel
// the first time it is shown. The selected tab is part of the page state (and so of the URL).
//
// History: choosing a tab pushes a history entry (marked { panel }), so Back shows the panel
// before instead of leaving the page; going Back changes only the panel, never the settings made
// since. An address the user edits (an entry without the mark) is read whole.
//
// Saved work (persist/): the store is opened before the settings are read, so that a page opened
// without a link (no #) gets the last visit's settings; a link always wins. Every change of the
// settings is saved; the panels get the store to save and restore their own work.
//
// Offline (offline.js): the static build registers its service worker once the page is ready.

import { useEngineDefaults, useEngineLimits } from "./config.js";
import { attempt, loadEngine } from "./engine.js";
import { registerOffline } from "./offline.js";
import { PANELS } from "./panels/index.js";
import { createStorageBanner } from "./persist/banner.js";
import { installPageTools } from "./page-tools.js";
import { openStore } from "./persist/store.js";
import { restoreNotice } from "./persist/text.js";
import { problemsText, PROPS, State } from "./state.js";
import { installTour } from "./tour/tour.js";
import { installLanguageSwitch, pageLanguage } from "./language.js";
import { setLanguage, t } from "./i18n/i18n.js";
import { marked } from "./widgets/dom.js";
import { createTabs } from "./widgets/tabs.js";

async function main() {
  // The language first: the engine and every panel speak it from their start.
  setLanguage(pageLanguage(new URLSearchParams(window.location.hash.slice(1)).get("lang")));
  writeFrame();
  const loading = document.getElementById("loading");
  const engine = await loadEngine().catch((e) => {
    loading.className = "message error";
    loading.textContent = t("common.engineFailed", { error: e.message });
    return null;
  });
  if (!engine) return;
  loading.remove();

  useEngineLimits(engine.limits());
  useEngineDefaults(engine);
  const store = await openStore();
  const lastSettings = !window.location.hash.replace(/^#/, "") && store.saved.settings;
  if (lastSettings) history.replaceState(history.state, "", `#${store.saved.settings}`);
  // State writes the URL with replaceState; keeping the entry's mark lets Back tell our entries apart.
  const keepMark = { replaceState: (_s, title, url) => history.replaceState(history.state, title, url) };
  // The tab is one of the panels: a link naming another is said, like any value out of range.
  const props = PROPS.map((p) => (p.name === "tab" ? { ...p, type: "enum", values: PANELS.map((q) => q.id) } : p));
  const state = new State(props, window.location, keepMark);
  // Settings restored from the last visit may name another language than the link did.
  setLanguage(pageLanguage(state.get("lang")));
  writeFrame();
  engine.setLanguage(pageLanguage(state.get("lang")));
  // Values of a link the page had to replace are said, not changed silently.
  const linkNotice = document.getElementById("link-notice");
  const showLinkProblems = () => {
    linkNotice.textContent = problemsText(state.problems);
    linkNotice.hidden = state.problems.length === 0;
  };
  showLinkProblems();
  const root = document.getElementById("panels");
  root.before(createStorageBanner(store, restoreNotice({
    own: store.saved.own?.classes ?? null, model: store.saved.model, settings: Boolean(lastSettings),
  })));
  store.saveSettings(state.serialize());
  let savingSettings = null;
  state.subscribe(() => {
    clearTimeout(savingSettings);
    savingSettings = setTimeout(() => store.saveSettings(state.serialize()), 300);
  });
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
    history.replaceState({ panel: panel.id }, "", window.location.href);
    const section = sections.get(panel.id);
    section.hidden = false;
    if (!mounted.has(panel.id)) {
      mounted.set(panel.id, null);
      const module = await panel.load();
      const hooks = attempt(() => module.mount(section, { engine, state, store }));
      if (hooks.error) {
        section.textContent = t("common.panelFailed", { error: hooks.error });
        throw new Error(hooks.error);
      }
      mounted.set(panel.id, hooks.value ?? {});
    }
    if (current === panel.id) mounted.get(panel.id)?.show?.();
    document.body.dataset.panel = panel.id;
  }

  /** A tab the user picked: a new history entry, so that Back returns to the panel before. */
  function choose(id) {
    if (id === current) return;
    history.pushState({ panel: id }, "", window.location.href);
    show(id);
  }

  /**
   * Back, Forward or an edited address: our entries change the panel only, others are read whole,
   * except an in-page anchor such as the skip link's #panels (no "="), which is not settings.
   */
  function navigated() {
    const panel = history.state?.panel;
    if (PANELS.some((p) => p.id === panel)) {
      show(panel);
    } else if (/^#[^=]+$/.test(window.location.hash)) {
      state.writeUrl();
      history.replaceState({ panel: current }, "", window.location.href);
    } else {
      state.readUrl();
      showLinkProblems();
    }
  }
  window.addEventListener("popstate", navigated);
  window.addEventListener("hashchange", navigated);

  const selectTab = createTabs(document.getElementById("tabs"), PANELS, choose);
  // Copy link and the page's keys, both for the visible panel.
  installPageTools({ header: document.querySelector("header.site"), state, panel: () => mounted.get(current) });
  installLanguageSwitch({ header: document.querySelector("header.site"), state });
  state.subscribe((changed) => {
    if (changed.includes("tab")) show(state.get("tab"));
  });
  await show(state.get("tab"));
  // The Lecture 5 tour (its button joins the header's tools; its keys listen after keys.js's).
  installTour({ header: document.querySelector("header.site"), state, engine });
  document.body.dataset.ready = "true";
  // After the first panel is up, so caching the files for offline use does not delay it.
  registerOffline();
}

/** index.html's own words (title, header, footer) in the page's language, from the catalog. */
function writeFrame() {
  document.title = t("common.docTitle");
  const set = (selector, key) => {
    const e = document.querySelector(selector);
    if (e) e.textContent = t(key);
  };
  set("a.skip", "common.skip");
  set("header.site h1", "common.title");
  set("header.site .tagline", "common.tagline");
  set("footer.site p", "common.footer");
  set("#loading", "common.loading");
  document.querySelector("[data-testid=notation]")?.replaceChildren(...marked(t("common.notation")));
  document.getElementById("tabs")?.setAttribute("aria-label", t("common.tabsLabel"));
}

main();
