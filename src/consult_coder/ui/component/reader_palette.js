// The transcript reader, DOM part 4: the palette that applies codes to the pending selection.

// ``ctx`` holds the drawn reader: caretTo, closePopups, codings, cps, data, placeNear, root, segs, send,
// st. Opens the palette for ``st.pending``, next to ``rect``; typing filters the codes, Enter or 1–9
// applies one, Esc closes and puts the caret after the passage.
function openPaletteIn(ctx, rect) {
  const { caretTo, closePopups, codings, cps, data, placeNear, root, segs, send, st } = ctx;
  closePopups();
  const pal = el("div", "ccr-palette");
  pal.setAttribute("role", "dialog");
  const p = st.pending;
  pal.appendChild(el("div", "ccr-quote", `“${spanTextOf(cps, p.start, p.end)}”`));
  const input = el("input", "ccr-search");
  input.type = "search";
  input.placeholder = "Type to find a code · 1–9 apply";
  input.value = st.filter;
  const list = el("div", "ccr-list");
  list.setAttribute("role", "listbox");
  const about = el("div", "ccr-about");
  pal.append(input, list, about,
    el("div", "ccr-keys", "Enter applies · ↑↓ move · 1–9 quick keys · Esc closes"));
  const applied = new Set(codings.filter((c) => c.own && c.start === p.start && c.end === p.end)
    .map((c) => c.code_id));
  let shown = [];
  function describe(code) {
    about.replaceChildren();
    if (!code) return;
    about.appendChild(el("div", "ccr-about-name", code.path));
    for (const [label, text] of [["", code.definition], ["Use when: ", code.when_to_use],
      ["Not when: ", code.when_not_to_use]]) {
      if (text) about.appendChild(el("div", "ccr-about-line", label + text));
    }
  }
  function draw() {
    const q = input.value.trim().toLowerCase();
    shown = (data.codes || []).filter((c) => !c.archived && (!q
      || c.path.toLowerCase().includes(q) || (c.definition || "").toLowerCase().includes(q)));
    st.focus = Math.min(st.focus, Math.max(0, shown.length - 1));
    list.replaceChildren();
    shown.forEach((code, i) => {
      const item = el("div", "ccr-item");
      item.setAttribute("role", "option");
      item.dataset.code = code.id;
      if (i === st.focus) item.classList.add("ccr-focus");
      const num = el("span", "ccr-num", i < 9 ? String(i + 1) : "");
      const sw = el("span", "ccr-swatch");
      sw.style.background = colourOf(code);
      const name = el("span", "ccr-name", code.path);
      const tick = el("span", "ccr-tick", applied.has(code.id) ? "✓" : "");
      item.append(num, sw, name, tick);
      item.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the search box
      item.addEventListener("click", () => apply(code));
      item.addEventListener("mousemove", () => {
        if (st.focus !== i) { st.focus = i; draw(); }
      });
      list.appendChild(item);
    });
    if (!shown.length) list.appendChild(el("div", "ccr-empty", "No code matches"));
    describe(shown[st.focus]);
  }
  function apply(code) {
    if (!code) return;
    applied.add(code.id);
    draw();
    send({ type: "add", start: p.start, end: p.end, codes: [code.id] });
  }
  input.addEventListener("input", () => { st.filter = input.value; st.focus = 0; draw(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = shown.length || 1;
      st.focus = (st.focus + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      draw();
    } else if (e.key === "Enter") {
      e.preventDefault();
      apply(shown[st.focus]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      st.pending = null;
      st.filter = "";
      closePopups();
      segs.forEach((s) => s.classList.remove("ccr-pending"));
      caretTo(p.end); // a keyboard coder carries on from the end of that passage
    } else if (/^[1-9]$/.test(e.key) && input.value === "" && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      apply(shown[Number(e.key) - 1]);
    }
  });
  root.appendChild(pal);
  root.classList.add("ccr-open");
  draw();
  placeNear(pal, rect);
  input.focus({ preventScroll: true });
}
