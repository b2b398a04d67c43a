// Keys for a review queue: A accept, R reject, N or J next, K previous. Sent to Python as
// {"key": "accept" | "reject" | "next" | "previous", "id": <the suggestion on screen>}, so the page
// can refuse a decision naming a card it no longer shows (A pressed right after N). Listening on the
// window before anything else, so Streamlit's own R (rerun) does not fire as well; keys typed into a
// text box, a picker or a menu stay there.

const REVIEW_KEYS = { a: "accept", r: "reject", n: "next", j: "next", k: "previous" };
const HANDLERS = new Map(); // per component key: the listener now installed

export default function reviewKeys(component) {
  const { data, parentElement, setTriggerValue } = component;
  const key = component.key || "review_keys";
  if (HANDLERS.has(key)) window.removeEventListener("keydown", HANDLERS.get(key), true);
  let hint = parentElement.querySelector(":scope > .ccq-keys");
  if (!hint) {
    hint = document.createElement("div");
    hint.className = "ccq-keys";
    parentElement.appendChild(hint);
  }
  hint.textContent = data && data.id != null ? "Keys: A accept · R reject · N or J next · K previous" : "";
  // which suggestion the keys act on now: the card above can be drawn a moment before this runs again
  hint.dataset.suggestion = data && data.id != null ? String(data.id) : "";
  const handler = (e) => {
    if (!parentElement.isConnected || !data || data.id == null) return;
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT"
              || t.isContentEditable || (t.closest && t.closest('[role="listbox"], [role="menu"], [role="dialog"]')))) {
      return;
    }
    const what = REVIEW_KEYS[e.key.toLowerCase()];
    if (!what) return;
    e.preventDefault();
    e.stopPropagation();
    setTriggerValue("key", { key: what, id: data.id });
  };
  HANDLERS.set(key, handler);
  window.addEventListener("keydown", handler, true);
  return () => {
    window.removeEventListener("keydown", handler, true);
    if (HANDLERS.get(key) === handler) HANDLERS.delete(key);
  };
}
