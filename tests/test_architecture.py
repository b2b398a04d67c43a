"""The house rules of docs/architecture.md that a program can check."""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import consult_coder
from tests.factories import REPO

TESTS = REPO / "tests"
PACKAGE = Path(consult_coder.__file__).parent
SHELL = ("ui", "cli", "__main__")  # __main__.py: `python -m consult_coder`, the command line


def source_files(*parts: str) -> list[Path]:
    """The package's .py files under ``parts`` (all of them when none are given)."""
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def core_files() -> list[Path]:
    """The domain core: everything but the shell (ui, cli) and the migrations."""
    return [f for f in source_files() if layer_of(f) not in (*SHELL, "migrations")]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at top level or inside a function (``from a import b`` gives both
    ``a`` and ``a.b``, as ``b`` may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_core_modules_never_import_streamlit():
    core = sorted(m.name for m in pkgutil.walk_packages(consult_coder.__path__, "consult_coder.")
                  if ".ui" not in m.name and ".migrations." not in m.name and not m.name.endswith("__main__"))
    assert "consult_coder.coding" in core and "consult_coder.export.docx_report" in core
    probe = ("import importlib, sys\n"
             f"for name in {core!r}: importlib.import_module(name)\n"
             "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_test_module_imports_another_test_module():
    """Shared fixtures live in conftest.py, shared data in factories.py and browser/support.py."""
    offences = []
    for path in sorted(TESTS.rglob("*.py")):
        for name in imported_modules(path):
            last = name.rsplit(".", 1)[-1]
            if name.startswith("tests.") and (last.startswith("test_") or last == "conftest"):
                offences.append(f"{path.relative_to(REPO)} imports {name}")
    assert offences == []


def test_core_functions_take_a_session_and_never_own_the_transaction():
    """Only storage opens a unit of work; every other core function is handed a Session."""
    offences = []
    for path in core_files():
        if path.name == "storage.py":
            continue
        where = path.relative_to(PACKAGE)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("session", "commit", "rollback", "begin")):
                offences.append(f"{where}:{node.lineno} calls .{node.func.attr}()")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                    if arg.annotation is not None and re.search(r"\bProject\b", ast.unparse(arg.annotation)):
                        offences.append(f"{where}:{node.lineno} {node.name}() takes a Project")
    assert offences == []


def test_only_audit_writes_and_reads_the_events_table():
    """Every event goes through one of audit.py's constructors; no module spells an action inline."""
    from consult_coder.audit import Action

    actions = {a.value for a in Action}
    offences = []
    for path in source_files():
        if path.name in ("audit.py", "model.py") or layer_of(path) == "migrations":
            continue
        where = path.relative_to(PACKAGE)
        if "consult_coder.model.Event" in imported_modules(path):
            offences.append(f"{where} imports model.Event")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in actions:
                offences.append(f"{where}:{node.lineno} names the action {node.value!r}")
    assert offences == []


def test_importers_only_parse():
    """Files in, ParsedTranscript / ParticipantRow out: nothing in importers/ touches the database.
    They may use the foundation that holds no data: errors, text and the limits on what is read."""
    allowed = ("consult_coder.errors", "consult_coder.text", "consult_coder.limits",
               "consult_coder.importers")
    offences = []
    for path in source_files("importers"):
        for name in imported_modules(path):
            outside = name.startswith("consult_coder") and not name.startswith(allowed)
            if outside or name.startswith("sqlalchemy"):
                offences.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offences == []


def test_arrows_point_down_the_layers():
    """The core never imports the shell (ui, cli, Streamlit, Typer); ui and cli never import each other;
    analysis computes and never imports what lays its results out."""
    shell = ("consult_coder.ui", "consult_coder.cli", "streamlit", "typer")
    analysis_may_not = ("consult_coder.export", "consult_coder.refi", "consult_coder.charts")
    offences = []
    for path in source_files():
        layer, where = layer_of(path), path.relative_to(PACKAGE)
        for name in imported_modules(path):
            if (layer not in (*SHELL, "migrations") and name.startswith(shell)
                    or layer == "ui" and name.startswith("consult_coder.cli")
                    or layer == "cli" and name.startswith("consult_coder.ui")
                    or layer == "analysis" and name.startswith(analysis_may_not)):
                offences.append(f"{where} imports {name}")
    assert offences == []


def test_pages_only_render():
    """A module under ui/ imports no table and no SQLAlchemy, and runs no query (select, execute,
    scalars, scalar): it calls the core's read functions."""
    queries = ("select", "execute", "scalars", "scalar", "query")
    offences = []
    for path in source_files("ui"):
        where = path.relative_to(PACKAGE)
        offences += [f"{where} imports {name}" for name in imported_modules(path)
                     if name.startswith(("consult_coder.model", "sqlalchemy"))]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in queries:
                    offences.append(f"{where}:{node.lineno} calls {called}(")
    assert offences == []


def test_cross_page_contracts_are_named_in_one_place():
    """The Code page's jump keys are spelled only in ui/navigation.py; pages use the names."""
    from consult_coder.ui.navigation import JUMP_OFFSET, JUMP_TRANSCRIPT

    offences = []
    for path in source_files("ui"):
        if path.name == "navigation.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in (JUMP_TRANSCRIPT, JUMP_OFFSET):
                offences.append(f"{path.relative_to(PACKAGE)}:{node.lineno} spells {node.value!r}")
    assert offences == []


# Functions other helpers are restructuring on their own branches; remove an entry once it is C or better.
# (refi/qde_write.build_qde and qde_read.read_project were; main's REFI work brought them to C.)
COMPLEXITY_EXEMPT = {("suggestions/classifier.py", "train")}  # the "patterns" branch


def test_no_function_is_worse_than_radon_grade_c():
    """Long branching functions are broken into named steps (``radon cc -n D src/`` prints nothing)."""
    from radon.complexity import cc_rank, cc_visit

    offences = []
    for path in source_files():
        where = str(path.relative_to(PACKAGE))
        for block in cc_visit(path.read_text(encoding="utf-8")):
            grade = cc_rank(block.complexity)
            if grade > "C" and (where, block.name) not in COMPLEXITY_EXEMPT:
                offences.append(f"{where}:{block.lineno} {block.name} is grade {grade} ({block.complexity})")
    assert offences == []


# --- User strings are data (ui/render.py) -------------------------------------------------------------
# What Streamlit reads as markdown: the body of these calls …
MARKDOWN_BODIES = {"markdown", "caption", "write", "info", "success", "error", "warning", "toast", "title",
                   "header", "subheader", "spinner", "exception", "badge"}
# … the label of these widgets and containers, and any call's ``help``, ``placeholder`` and ``captions``.
LABELLED = {"button", "download_button", "link_button", "page_link", "checkbox", "toggle", "radio",
            "selectbox", "multiselect", "text_input", "text_area", "number_input", "color_picker",
            "segmented_control", "pills", "file_uploader", "expander", "popover", "metric",
            "form_submit_button", "slider", "select_slider", "date_input", "time_input", "status",
            "camera_input", "feedback"}
MARKDOWN_OPTIONS = {"radio", "segmented_control", "pills"}  # their options (format_func) are markdown too
RENDER_HELPERS = {"md", "inert", "escape_md", "swatch", "indent", "highlight"}


def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    """Every value a plain name is given in ``scope`` (``x = …``, ``x: T = …``, ``x += …``, ``(x := …)``;
    a loop variable is given what it loops over)."""
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.For | ast.comprehension):
            for name in ast.walk(node.target):
                if isinstance(name, ast.Name):
                    found.setdefault(name.id, []).append(node.iter)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and node.value is not None \
                and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(node.value)
    return found


def _made_safely(expr: ast.expr, assigned: dict[str, list[ast.expr]], seen: frozenset[str] = frozenset()
                 ) -> bool:
    """Whether text that reaches a markdown surface is visibly safe: a literal, something render.py
    made, or a name given only such values. An f-string, a concatenation, ``.format()``, ``str()`` or any
    other computed string may carry user data, so it must go through ``md()`` / ``inert()``."""
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Name) and expr.id.isupper() and expr.id not in assigned:
        return True  # a module's constant (a table of labels)
    if isinstance(expr, ast.IfExp):
        return _made_safely(expr.body, assigned, seen) and _made_safely(expr.orelse, assigned, seen)
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("enumerate", "zip"):  # looping over a table of labels
            return all(_made_safely(a, assigned, seen) for a in expr.args)
        return name in RENDER_HELPERS
    if isinstance(expr, ast.Name):  # a function's parameter cannot be followed from here: trusted
        return expr.id in seen or all(_made_safely(v, assigned, seen | {expr.id})
                                      for v in assigned.get(expr.id, []))
    return False


def _render_aliases(tree: ast.Module) -> set[str]:
    """The names a file gives ui/render.py (``from consult_coder.ui import render as show``)."""
    return {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module == "consult_coder.ui" for alias in node.names if alias.name == "render"}


def _markdown_texts(call: ast.Call, render_names: set[str]) -> list[ast.expr]:
    """The arguments of ``call`` that Streamlit would read as markdown (render.py's own functions make
    their text inert themselves)."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in render_names:
        return []
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    texts = [keywords[k] for k in ("help", "placeholder", "captions") if k in keywords]
    if name in MARKDOWN_BODIES or name in LABELLED:
        first = call.args[0] if call.args else keywords.get("body", keywords.get("label"))
        texts += [first] if first is not None else []
    if name == "tabs" and call.args and isinstance(call.args[0], ast.List | ast.Tuple):
        texts += call.args[0].elts
    if name in MARKDOWN_OPTIONS and isinstance(keywords.get("format_func"), ast.Lambda):
        texts.append(keywords["format_func"].body)  # type: ignore[union-attr]
    return texts


def test_pages_pass_user_text_to_markdown_only_through_render():
    """No f-string, concatenation or other computed string reaches st.markdown, a caption, an alert, a
    title, a label, help, a tab or a radio option without ui/render.py's md() or inert(); HTML is let
    through only in render.py."""
    offences = []
    for path in source_files("ui"):
        if path.name == "render.py":
            continue
        where = path.relative_to(PACKAGE)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        render_names = _render_aliases(tree)
        scopes = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)] + [tree]
        for scope in scopes:
            assigned = _assignments(scope)
            nodes = ast.walk(scope) if scope is not tree else (
                n for top in tree.body if not isinstance(top, ast.FunctionDef | ast.ClassDef)
                for n in ast.walk(top))
            for node in nodes:
                if not isinstance(node, ast.Call):
                    continue
                if any(k.arg == "unsafe_allow_html" for k in node.keywords):
                    offences.append(f"{where}:{node.lineno} lets HTML through outside render.py")
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "html":
                    offences.append(f"{where}:{node.lineno} draws raw HTML outside render.py")
                offences += [f"{where}:{text.lineno} passes {ast.unparse(text)[:60]} to markdown"
                             for text in _markdown_texts(node, render_names)
                             if not _made_safely(text, assigned)]
    assert offences == []
