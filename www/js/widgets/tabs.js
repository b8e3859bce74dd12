// Accessible tabs (WAI-ARIA tabs pattern): arrow keys, Home and End move between tabs; the
// selected tab is the only one in the Tab order. Knows nothing about what the panels contain.

/**
 * Builds one tab button in `list` per item of `items` ({ id, title, short }) and calls `onSelect(id)`
 * when the user picks one. Returns `select(id)` to change the tab from code.
 */
export function createTabs(list, items, onSelect) {
  const buttons = items.map((item) => {
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("role", "tab");
    b.id = `tab-${item.id}`;
    // Both titles are in the button; css/style.css shows the short one on a narrow screen.
    const long = document.createElement("span");
    long.className = "tab-long";
    long.textContent = item.title;
    const short = document.createElement("span");
    short.className = "tab-short";
    short.textContent = item.short ?? item.title;
    b.append(long, short);
    b.setAttribute("aria-controls", `panel-${item.id}`);
    b.addEventListener("click", () => onSelect(item.id));
    list.append(b);
    return b;
  });

  list.addEventListener("keydown", (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    const next = {
      ArrowRight: (i + 1) % buttons.length,
      ArrowLeft: (i - 1 + buttons.length) % buttons.length,
      Home: 0,
      End: buttons.length - 1,
    }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    buttons[next].focus();
    onSelect(items[next].id);
  });

  return function select(id) {
    for (const [k, b] of buttons.entries()) {
      const on = items[k].id === id;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
    }
  };
}
