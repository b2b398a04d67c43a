// The transcript reader, DOM part 3: the panel of a coded passage (its codes, memos, edges, removal).

// ``ctx`` holds the drawn reader: closePopups, codeOrder, codes, codings, cps, data, placeNear, root,
// send, st. Opens the panel for the codings over ``offset``, next to ``rect``.
function openPanelIn(ctx, offset, rect) {
  const { closePopups, codeOrder, codes, codings, cps, data, placeNear, root, send, st } = ctx;
  closePopups();
  const here = codingsAt(codings, codeOrder, offset);
  if (!here.length) { st.panelAt = null; return; }
  st.panelAt = offset;
  const panel = el("div", "ccr-panel");
  panel.setAttribute("role", "dialog");
  const head = el("div", "ccr-panel-head");
  const close = el("button", "ccr-btn ccr-close", "×");
  close.type = "button";
  close.title = "Close";
  close.addEventListener("click", () => { st.panelAt = null; closePopups(); });
  const undo2 = el("button", "ccr-btn", "↶ Undo");
  undo2.type = "button";
  undo2.disabled = !data.can_undo;
  undo2.addEventListener("click", () => send({ type: "undo" }));
  head.append(el("span", "ccr-panel-title", "Codes on this passage"), undo2, close);
  panel.appendChild(head);
  for (const c of here) {
    const code = codes.get(c.code_id);
    const row = el("div", "ccr-row");
    row.dataset.coding = c.id;
    const top = el("div", "ccr-row-top");
    const sw = el("span", "ccr-swatch");
    sw.style.background = colourOf(code);
    top.append(sw, el("span", "ccr-name", code.path), el("span", "ccr-coder", c.coder));
    if (c.own) {
      const rm = el("button", "ccr-btn ccr-remove", "Remove");
      rm.type = "button";
      rm.title = `Remove ${code.name} from this passage`;
      rm.addEventListener("click", () => send({ type: "remove", id: c.id }));
      top.appendChild(rm);
    }
    row.appendChild(top);
    row.appendChild(el("div", "ccr-span", `“${spanTextOf(cps, c.start, c.end, 140)}”`));
    if (c.own) {
      const edges = el("div", "ccr-edges");
      const moves = [["grow-start", "◂ Start", "Start one word earlier"],
        ["shrink-start", "Start ▸", "Start one word later"],
        ["shrink-end", "◂ End", "End one word earlier"],
        ["grow-end", "End ▸", "End one word later"]];
      for (const [how, label, title] of moves) {
        const b = el("button", "ccr-btn ccr-edge", label);
        b.type = "button";
        b.title = title;
        b.dataset.move = how;
        b.addEventListener("click", () => {
          const [s, e] = moveEdge(cps, c.start, c.end, how);
          if (s !== c.start || e !== c.end) send({ type: "resize", id: c.id, start: s, end: e, snap: "word" });
        });
        edges.appendChild(b);
      }
      const whole = el("button", "ccr-btn ccr-edge", "Whole sentences");
      whole.type = "button";
      whole.dataset.move = "sentence";
      whole.title = "Widen to the whole sentences this passage touches";
      whole.addEventListener("click",
        () => send({ type: "resize", id: c.id, start: c.start, end: c.end, snap: "sentence" }));
      edges.appendChild(whole);
      row.appendChild(edges);
      const memo = el("textarea", "ccr-memo");
      memo.placeholder = "Memo (saved when you leave the box or press Enter)";
      memo.rows = 2;
      memo.value = c.memo || "";
      const save = () => {
        if (memo.value.trim() !== (c.memo || "").trim()) {
          c.memo = memo.value;
          send({ type: "memo", id: c.id, memo: memo.value });
        }
      };
      memo.addEventListener("blur", save);
      memo.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save(); }
      });
      row.appendChild(memo);
    } else {
      if (c.memo) row.appendChild(el("div", "ccr-memo-ro", c.memo));
      row.appendChild(copyButtons(c, data, send));
    }
    panel.appendChild(row);
  }
  root.appendChild(panel);
  root.classList.add("ccr-open");
  placeNear(panel, rect);
}
