// Keys the server need not see: the customer combobox's arrows, Enter and Escape,
// Ctrl/Cmd+Enter in a comment, and where focus goes when a picker closes.
(() => {
  const options = (input) =>
    Array.from(document.querySelectorAll(`#${input.getAttribute("aria-controls")} [role=option]`));

  const activate = (input, option) => {
    for (const o of options(input)) o.setAttribute("aria-selected", o === option ? "true" : "false");
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  // Focus the first element `pick()` returns once `gone` has left the page (Reflex re-renders).
  const focusAfter = (gone, pick) => {
    const started = Date.now();
    const tick = () => {
      if (gone.isConnected && Date.now() - started < 3000) return requestAnimationFrame(tick);
      const target = pick();
      if (target) target.focus();
    };
    requestAnimationFrame(tick);
  };

  const backToRow = (input) => () => document.getElementById(`customer-${input.dataset.row}`);
  const nextUseful = (input) => () =>
    document.querySelector('[data-needs-customer="true"]') ||
    document.querySelector("#export:not([disabled])") ||
    backToRow(input)();

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.matches?.("textarea[data-submit-on-ctrl-enter]")) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        target.form?.requestSubmit();
      }
      return;
    }
    if (!target.matches?.("input[role=combobox]")) return;
    const all = options(target);
    const current = document.getElementById(target.getAttribute("aria-activedescendant") || "");
    const at = all.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!all.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      activate(target, all[at < 0 ? (step > 0 ? 0 : all.length - 1) : (at + step + all.length) % all.length]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const chosen = current && current.isConnected ? current : all.length === 1 ? all[0] : null;
      if (chosen) chosen.click();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      document.querySelector(`[data-picker-cancel="${target.dataset.row}"]`)?.click();
    }
  }, true);

  // Typing changes the options: start the arrow keys afresh.
  document.addEventListener("input", (event) => {
    if (event.target.matches?.("input[role=combobox]")) activate(event.target, null);
  });

  // A selected filter tab that the strip has scrolled out of sight (on a phone) comes into view.
  const showSelectedTab = () => {
    const tab = document.querySelector('[role=tablist] [role=tab][aria-selected="true"]');
    const strip = tab?.parentElement;
    if (!strip || strip.scrollWidth <= strip.clientWidth) return;
    const left = tab.offsetLeft - strip.offsetLeft;
    if (left < strip.scrollLeft || left + tab.offsetWidth > strip.scrollLeft + strip.clientWidth) {
      strip.scrollLeft = left - (strip.clientWidth - tab.offsetWidth) / 2;
    }
  };
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      showSelectedTab();
    });
  }).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["aria-selected"],
  });

  document.addEventListener("click", (event) => {
    const picker = event.target.closest?.(".picker");
    const input = picker?.querySelector("input[role=combobox]");
    if (!input) return;
    if (event.target.closest("[role=option]")) focusAfter(input, nextUseful(input));
    else if (event.target.closest("[data-picker-cancel]")) focusAfter(input, backToRow(input));
  });
})();
